/** Minimal assertions for the functions' tests (no remote imports: the tests run offline). */

function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
  );
}

export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(message);
}

export function assertEquals(actual: unknown, expected: unknown, message = ""): void {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) throw new Error(`${message ? message + ": " : ""}expected ${e}\n     got ${a}`);
}

export function assertMatch(actual: string, pattern: RegExp, message = ""): void {
  if (!pattern.test(actual)) {
    throw new Error(`${message ? message + ": " : ""}${JSON.stringify(actual)} does not match ${pattern}`);
  }
}
