/** The HS256 helpers: management token claims, signatures, constant-time comparison. */

import { decodePayload, managementToken, signHs256, timingSafeEqual, verifyHs256 } from "../_shared/jwt.ts";
import { assert, assertEquals } from "./assert.ts";

Deno.test("a management token carries the documented claims and verifies with the secret", async () => {
  const token = await managementToken("access-key", "app-secret", 1_800_000_000, 3600);
  const claims = await verifyHs256(token, "app-secret");
  assert(claims, "verifies");
  assertEquals({ ...claims, jti: typeof claims.jti }, {
    access_key: "access-key",
    type: "management",
    version: 2,
    iat: 1_800_000_000,
    nbf: 1_800_000_000,
    exp: 1_800_003_600,
    jti: "string",
  });
  const header = JSON.parse(atob(token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/")));
  assertEquals(header, { alg: "HS256", typ: "JWT" });
  const other = await managementToken("access-key", "app-secret", 1_800_000_000, 3600);
  assert(decodePayload(other)?.jti !== claims.jti, "a new jti per token");
});

Deno.test("a token signed with another secret or altered does not verify", async () => {
  const token = await signHs256({ sub: "a" }, "secret-one");
  assertEquals(await verifyHs256(token, "secret-two"), null);
  const [h, , s] = token.split(".");
  const altered = `${h}.${btoa(JSON.stringify({ sub: "b" })).replace(/=+$/, "")}.${s}`;
  assertEquals(await verifyHs256(altered, "secret-one"), null);
  assertEquals(await verifyHs256("not.a.jwt!", "secret-one"), null);
  assertEquals(decodePayload("garbage"), null);
});

Deno.test("secrets compare equal only when equal", async () => {
  assert(await timingSafeEqual("whsec-1", "whsec-1"));
  assert(!(await timingSafeEqual("whsec-1", "whsec-2")));
  assert(!(await timingSafeEqual("whsec-1", "whsec-1-longer")));
  assert(!(await timingSafeEqual("", "whsec-1")));
});
