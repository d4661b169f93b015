/** HS256 JSON Web Tokens with WebCrypto: 100ms management tokens, and reading a caller's claims. */

const encoder = new TextEncoder();

export type Claims = Record<string, unknown>;

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function base64urlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/** A compact HS256 JWT of `payload` signed with `secret`. */
export async function signHs256(payload: Claims, secret: string): Promise<string> {
  const header = base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = base64url(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(`${header}.${body}`),
  );
  return `${header}.${body}.${base64url(new Uint8Array(signature))}`;
}

/** The claims of an HS256 token whose signature `secret` verifies, else null. */
export async function verifyHs256(token: string, secret: string): Promise<Claims | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(base64urlDecode(parts[0])));
    if (header?.alg !== "HS256") return null;
    const ok = await crypto.subtle.verify(
      "HMAC",
      await hmacKey(secret),
      base64urlDecode(parts[2]),
      encoder.encode(`${parts[0]}.${parts[1]}`),
    );
    return ok ? decodePayload(token) : null;
  } catch {
    return null;
  }
}

/**
 * The claims of a token without checking its signature. Only for routing a request whose
 * token is verified elsewhere (the Supabase gateway and PostgREST check every user JWT).
 */
export function decodePayload(token: string): Claims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(parts[1])));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims) ? claims : null;
  } catch {
    return null;
  }
}

/** Whether `token` has the shape of a JWT (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/**
 * A 100ms management token: HS256 over {access_key, type: "management", version: 2, iat, nbf,
 * exp, jti}, signed with the app secret (100ms docs, "Management token for REST API").
 */
export function managementToken(
  accessKey: string,
  appSecret: string,
  nowSeconds: number,
  ttlSeconds: number,
): Promise<string> {
  return signHs256({
    access_key: accessKey,
    type: "management",
    version: 2,
    iat: nowSeconds,
    nbf: nowSeconds,
    exp: nowSeconds + ttlSeconds,
    jti: crypto.randomUUID(),
  }, appSecret);
}

/** Compares two secrets in time independent of where they differ (and of their lengths). */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  // Equal-length digests: the loop below always runs 32 times.
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}
