/** hms-webhook on recorded 100ms bodies: the secret, what is forwarded, what is ignored. */

import { createWebhookHandler, SECRET_HEADER } from "../hms-webhook/handler.ts";
import { assertEquals } from "./assert.ts";
import { FakePostgrest, SERVICE_KEY } from "./fake_postgrest.ts";
import { recorded, serve } from "./servers.ts";

const SECRET = "whsec-7f3e9a1c5b2d4e6f8a0b";

interface World {
  db: FakePostgrest;
  post: (body: unknown, secret?: string | null) => Promise<{ status: number; body: Record<string, unknown> }>;
}

function test(
  name: string,
  fn: (w: World) => Promise<void>,
  env: Record<string, string | undefined> = {},
): void {
  Deno.test(name, async () => {
    const db = new FakePostgrest();
    const server = serve(db.handler);
    const fullEnv: Record<string, string | undefined> = {
      SUPABASE_URL: server.url,
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
      HMS_WEBHOOK_SECRET: SECRET,
      ...env,
    };
    const handler = createWebhookHandler({ env: (name) => fullEnv[name] });
    const post = async (body: unknown, secret: string | null = SECRET) => {
      const headers = new Headers({ "Content-Type": "application/json" });
      if (secret !== null) headers.set(SECRET_HEADER, secret);
      const res = await handler(
        new Request("http://localhost/functions/v1/hms-webhook", {
          method: "POST",
          headers,
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
      );
      return { status: res.status, body: await res.json() };
    };
    try {
      await fn({ db, post });
    } finally {
      await server.close();
    }
  });
}

test("a peer join is recorded with the service role and its outcome answered", async (w) => {
  const event = await recorded("peer_join_viewer");
  const res = await w.post(event);
  assertEquals(res, { status: 200, body: { event_id: event.id, outcome: "joined", session_id: null } });
  assertEquals(w.db.calls.length, 1);
  const [call] = w.db.calls;
  assertEquals(call.fn, "record_hms_peer_event");
  assertEquals(call.args, { p_event: event });
  // A new-style secret key goes in apikey only (a legacy JWT key would also be the bearer).
  assertEquals([call.apikey, call.authorization], [SERVICE_KEY, null]);
});

test("a leave and a replayed event are forwarded as they come (the database dedupes)", async (w) => {
  const leave = await recorded("peer_leave_viewer");
  w.db.peerEventAnswer = (e) =>
    new Response(
      JSON.stringify({ event_id: (e as { id: string }).id, outcome: "replayed", session_id: null }),
    );
  for (let i = 0; i < 2; i++) {
    const res = await w.post(leave);
    assertEquals(res.status, 200);
    assertEquals(res.body.outcome, "replayed");
  }
  assertEquals(w.db.calls.map((c) => c.args.p_event), [leave, leave]);
});

for (
  const [what, secret] of [["no secret", null], ["a wrong secret", "whsec-guess"], [
    "an empty secret",
    "",
  ]] as const
) {
  test(`a delivery with ${what} is a 401 and reaches nothing`, async (w) => {
    const res = await w.post(await recorded("peer_join_viewer"), secret);
    assertEquals(res.status, 401);
    assertEquals(res.body.error, "unauthorized");
    assertEquals(w.db.calls.length, 0);
  });
}

test("without a configured secret every delivery is refused", async (w) => {
  const res = await w.post(await recorded("peer_join_viewer"), "");
  assertEquals(res.status, 500);
  assertEquals(res.body.error, "not_configured");
  assertEquals(w.db.calls.length, 0);
}, { HMS_WEBHOOK_SECRET: undefined });

test("other event types are acknowledged and ignored", async (w) => {
  const res = await w.post(await recorded("session_open"));
  assertEquals(res, { status: 200, body: { ignored: true, type: "session.open.success" } });
  assertEquals(w.db.calls.length, 0);
});

test("a body that is no event is a 400", async (w) => {
  for (const body of ["{", "[]", { type: "peer.join.success" }]) {
    const res = await w.post(body);
    assertEquals(res.status, 400, JSON.stringify(body));
  }
  assertEquals(w.db.calls.length, 0);
});

test("an event the database finds malformed is a 400, a database failure a 502", async (w) => {
  const event = await recorded("peer_join_viewer");
  w.db.peerEventAnswer = () =>
    new Response(JSON.stringify({ code: "22023", message: "data.joined_at must be a timestamp" }), {
      status: 400,
    });
  assertEquals(await w.post(event), {
    status: 400,
    body: { error: "invalid_request", message: "data.joined_at must be a timestamp" },
  });
  w.db.peerEventAnswer = () =>
    new Response(JSON.stringify({ code: "57014", message: "timeout" }), { status: 500 });
  const res = await w.post(event);
  assertEquals(res.status, 502);
  assertEquals(res.body.error, "database_error");
});
