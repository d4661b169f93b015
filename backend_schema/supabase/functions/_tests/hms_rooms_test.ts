/** hms-rooms against a mock 100ms API (verifying the management token) and a fake PostgREST. */

import { createRoomsHandler } from "../hms-rooms/handler.ts";
import { HmsClient } from "../_shared/hms.ts";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { ANON_KEY, FakePostgrest, userToken } from "./fake_postgrest.ts";
import { MockHms } from "./mock_hms.ts";
import { serve } from "./servers.ts";

const ACCESS_KEY = "64f1c0a2b3c4d5e6f7a8b9c0";
const APP_SECRET = "hms-app-secret-for-tests";
const HOST = "1b6a4d52-3e0c-4c7e-9a58-0d3b7f1e2a01";
const STRANGER = "1b6a4d52-3e0c-4c7e-9a58-0d3b7f1e2a02";
const SHOW = "5d0f6f1e-8a7b-4c3d-9e2f-1a2b3c4d5e01";
const ENDED_SHOW = "5d0f6f1e-8a7b-4c3d-9e2f-1a2b3c4d5e02";

interface World {
  hms: MockHms;
  db: FakePostgrest;
  env: Record<string, string>;
  call: (
    body: unknown,
    token?: string | null,
    init?: RequestInit,
  ) => Promise<{ status: number; body: Record<string, unknown> }>;
  close: () => Promise<void>;
}

async function world(env: Record<string, string | undefined> = {}): Promise<World> {
  const hms = new MockHms(ACCESS_KEY, APP_SECRET);
  const db = new FakePostgrest();
  db.shows.set(SHOW, { host: HOST, status: "live", room: null, codes: null });
  db.shows.set(ENDED_SHOW, { host: HOST, status: "ended", room: null, codes: null });
  const hmsServer = serve(hms.handler);
  const dbServer = serve(db.handler);
  const fullEnv: Record<string, string> = {};
  for (
    const [k, v] of Object.entries({
      SUPABASE_URL: dbServer.url,
      SUPABASE_ANON_KEY: ANON_KEY,
      HMS_ACCESS_KEY: ACCESS_KEY,
      HMS_APP_SECRET: APP_SECRET,
      HMS_TEMPLATE_ID: "64f1c0a2b3c4d5e6f7a8b9d0",
      HMS_SUBDOMAIN: "shopstream",
      HMS_API_BASE: `${hmsServer.url}/v2`,
      ...env,
    })
  ) if (v !== undefined) fullEnv[k] = v;
  const handler = createRoomsHandler({
    env: (name) => fullEnv[name],
    hmsClient: (config) => new HmsClient(config, { backoffMs: [1, 1] }),
  });
  const hostToken = await userToken(HOST);
  return {
    hms,
    db,
    env: fullEnv,
    call: async (body, token = hostToken, init = {}) => {
      const headers = new Headers(init.headers);
      if (token) headers.set("Authorization", `Bearer ${token}`);
      headers.set("apikey", ANON_KEY);
      const res = await handler(
        new Request("http://localhost/functions/v1/hms-rooms", {
          method: "POST",
          body: typeof body === "string" ? body : JSON.stringify(body),
          ...init,
          headers,
        }),
      );
      assertEquals(res.headers.get("access-control-allow-origin"), "*", "CORS on every reply");
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : {} };
    },
    close: async () => {
      await hmsServer.close();
      await dbServer.close();
    },
  };
}

function test(
  name: string,
  fn: (w: World) => Promise<void>,
  env: Record<string, string | undefined> = {},
): void {
  Deno.test(name, async () => {
    const w = await world(env);
    try {
      await fn(w);
    } finally {
      await w.close();
    }
  });
}

test("open creates the show's room from the template and records its codes", async (w) => {
  const res = await w.call({ action: "open", show_id: SHOW });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  const [room] = [...w.hms.rooms.values()];
  assertEquals(room.name, `shopstream-${SHOW}`);
  assertEquals(room.template_id, "64f1c0a2b3c4d5e6f7a8b9d0");
  assertEquals(res.body, {
    room_id: room.id,
    codes: {
      host: `hos-${room.id.slice(-4)}-x`,
      "co-host": `co--${room.id.slice(-4)}-x`,
      viewer: `vie-${room.id.slice(-4)}-x`,
    },
    subdomain: "shopstream",
  });
  assertEquals(w.db.shows.get(SHOW)?.room, room.id);
  assertEquals(w.db.shows.get(SHOW)?.codes, res.body.codes);
  // The ownership check and the write ran with the caller's own token, not a service key.
  for (const call of w.db.calls) {
    assertEquals(call.apikey, ANON_KEY);
    assertMatch(call.authorization ?? "", /^Bearer ey/);
  }
  assertEquals(w.db.calls.map((c) => c.fn), ["host_session_credentials", "record_show_room"]);
});

test("opening again answers the same room without asking 100ms", async (w) => {
  const first = await w.call({ action: "open", show_id: SHOW });
  const before = w.hms.calls.length;
  const again = await w.call({ action: "open", show_id: SHOW });
  assertEquals(again, first);
  assertEquals(w.hms.calls.length, before);
});

test("a locked room of the show is enabled again when the show reopens it", async (w) => {
  await w.call({ action: "open", show_id: SHOW });
  const [room] = [...w.hms.rooms.values()];
  room.enabled = false;
  w.db.shows.get(SHOW)!.room = null;
  const res = await w.call({ action: "open", show_id: SHOW });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  assert(room.enabled, "room enabled again");
});

test("every 100ms request carries a management token with the documented claims", async (w) => {
  await w.call({ action: "open", show_id: SHOW });
  assert(w.hms.calls.length >= 2);
  // The mock refuses bad tokens with 401; a token is reused, not minted per request.
  assertEquals(w.hms.tokens.size, 1);
});

test("a token signed with another secret is refused by 100ms and reported as a 502", async (w) => {
  const res = await w.call({ action: "open", show_id: SHOW });
  assertEquals(res.status, 502);
  assertEquals(res.body.error, "hms_error");
  assertMatch(String(res.body.message), /Token validation error \(HTTP 401\)/);
  assertEquals(w.db.shows.get(SHOW)?.room, null);
}, { HMS_APP_SECRET: "not-the-app-secret" });

test("a 100ms failure is a 502 with its message and records nothing", async (w) => {
  w.hms.failures.push(
    { status: 500, message: "internal error" },
    { status: 500, message: "internal error" },
    {
      status: 500,
      message: "internal error",
    },
  );
  const res = await w.call({ action: "open", show_id: SHOW });
  assertEquals(res.status, 502);
  assertEquals(res.body, { error: "hms_error", message: "100ms: internal error (HTTP 500)" });
  assertEquals(w.db.shows.get(SHOW)?.room, null);
  assertEquals(w.db.calls.map((c) => c.fn), ["host_session_credentials"]);
});

test("a passing 100ms outage is retried for safe requests", async (w) => {
  w.hms.failures.push({ status: 503, message: "unavailable" });
  const res = await w.call({ action: "open", show_id: SHOW });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  assertEquals(w.hms.rooms.size, 1);
});

test("a template without the viewer role is reported, nothing recorded", async (w) => {
  w.hms.roles = ["host", "co-host"];
  const res = await w.call({ action: "open", show_id: SHOW });
  assertEquals(res.status, 502);
  assertEquals(res.body.error, "hms_template");
  assertMatch(String(res.body.message), /no role "viewer"/);
  assertEquals(w.db.shows.get(SHOW)?.room, null);
});

test("a template without the co-host role opens a room without a co-host code", async (w) => {
  w.hms.roles = ["host", "viewer"];
  const res = await w.call({ action: "open", show_id: SHOW });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  assertEquals((res.body.codes as Record<string, unknown>)["co-host"], null);
  assertEquals(w.db.shows.get(SHOW)?.codes?.["co-host"], null);
  const calls = w.hms.calls.length;
  assertEquals(await w.call({ action: "open", show_id: SHOW }), res);
  assertEquals(w.hms.calls.length, calls);
});

test("role names come from the function's secrets", async (w) => {
  w.hms.roles = ["broadcaster", "guest", "audience"];
  const res = await w.call({ action: "open", show_id: SHOW });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  assertEquals(Object.keys(res.body.codes as object).sort(), ["co-host", "host", "viewer"]);
}, { HMS_ROLE_HOST: "broadcaster", HMS_ROLE_COHOST: "guest", HMS_ROLE_VIEWER: "audience" });

test("peers lists who is in the room", async (w) => {
  const opened = await w.call({ action: "open", show_id: SHOW });
  const roomId = String(opened.body.room_id);
  assertEquals((await w.call({ action: "peers", show_id: SHOW })).body, { peers: [] });
  w.hms.peers.set(roomId, [
    { id: "peer-1", name: "Maya", user_id: HOST, role: "host", joined_at: "2026-12-03T18:00:00Z" },
    { id: "peer-2", name: "Ava", user_id: "", role: "viewer", joined_at: "2026-12-03T18:00:05Z" },
  ]);
  const res = await w.call({ action: "peers", show_id: SHOW });
  assertEquals(res.status, 200);
  assertEquals(res.body, {
    peers: [
      { peer_id: "peer-1", user_id: HOST, role: "host", joined_at: "2026-12-03T18:00:00Z" },
      { peer_id: "peer-2", user_id: null, role: "viewer", joined_at: "2026-12-03T18:00:05Z" },
    ],
  });
});

test("end ends the room with a lock and clears it; a second end is a 409", async (w) => {
  const opened = await w.call({ action: "open", show_id: SHOW });
  const roomId = String(opened.body.room_id);
  w.hms.peers.set(roomId, [{
    id: "p",
    name: "Maya",
    user_id: HOST,
    role: "host",
    joined_at: "2026-12-03T18:00:00Z",
  }]);
  assertEquals(await w.call({ action: "end", show_id: SHOW }), { status: 200, body: { ok: true } });
  assertEquals(w.hms.ended, [{ roomId, reason: "The show has ended", lock: true }]);
  assertEquals(w.db.shows.get(SHOW)?.room, null);
  assertEquals(w.hms.rooms.get(roomId)?.enabled, false);

  const again = await w.call({ action: "end", show_id: SHOW });
  assertEquals(again.status, 409);
  assertEquals(again.body.error, "already_ended");
});

test("ending a room nobody is in disables it", async (w) => {
  const opened = await w.call({ action: "open", show_id: SHOW });
  const res = await w.call({ action: "end", show_id: SHOW });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  assertEquals(w.hms.rooms.get(String(opened.body.room_id))?.enabled, false);
  assertEquals(w.db.shows.get(SHOW)?.room, null);
});

test("restream starts to the host's RTMP addresses and stops", async (w) => {
  const opened = await w.call({ action: "open", show_id: SHOW });
  const roomId = String(opened.body.room_id);
  const urls = ["rtmp://a.rtmp.youtube.com/live2/k0jv-329m", "rtmps://live-api-s.facebook.com:443/rtmp/FB-1"];
  const res = await w.call({ action: "restream_start", show_id: SHOW, rtmp_urls: urls });
  assertEquals(res, { status: 200, body: { ok: true } });
  assertEquals(w.hms.streams.get(roomId), {
    meeting_url: `https://shopstream.app.100ms.live/preview/${roomId}/viewer?skip_preview=true`,
    rtmp_urls: urls,
    recording: false,
  });
  assertEquals(await w.call({ action: "restream_stop", show_id: SHOW }), { status: 200, body: { ok: true } });
  assertEquals(w.hms.streams.size, 0);
  // Stopping when nothing runs is fine.
  assertEquals((await w.call({ action: "restream_stop", show_id: SHOW })).status, 200);
});

for (
  const [what, urls] of [
    ["no addresses", []],
    ["four addresses", ["rtmp://a/b", "rtmp://a/c", "rtmp://a/d", "rtmp://a/e"]],
    ["an https address", ["https://example.com/live/key"]],
    ["not a list", "rtmp://a/b"],
    ["a number", [42]],
  ] as const
) {
  test(`restream with ${what} is refused before 100ms is asked`, async (w) => {
    await w.call({ action: "open", show_id: SHOW });
    const before = w.hms.calls.length;
    const res = await w.call({ action: "restream_start", show_id: SHOW, rtmp_urls: urls });
    assertEquals(res.status, 400);
    assertEquals(res.body.error, "invalid_request");
    assert(!JSON.stringify(res.body).includes("example.com/live/key"), "stream keys are not echoed");
    assertEquals(w.hms.calls.length, before);
  });
}

test("actions needing a room answer 409 before the room is open", async (w) => {
  for (const action of ["peers", "restream_stop"]) {
    const res = await w.call({ action, show_id: SHOW });
    assertEquals(res.status, 409, action);
    assertEquals(res.body.error, "no_room");
  }
  assertEquals(w.hms.calls.length, 0);
});

test("a finished show cannot open a room (409), and 100ms is not asked", async (w) => {
  const res = await w.call({ action: "open", show_id: ENDED_SHOW });
  assertEquals(res.status, 409);
  assertEquals(res.body.error, "show_ended");
  assertEquals(w.hms.calls.length, 0);
});

test("another host's show is a 403 and an unknown show a 404", async (w) => {
  const stranger = await userToken(STRANGER);
  const res = await w.call({ action: "open", show_id: SHOW }, stranger);
  assertEquals(res.status, 403);
  assertEquals(res.body.error, "forbidden");
  const missing = await w.call({ action: "open", show_id: "5d0f6f1e-8a7b-4c3d-9e2f-1a2b3c4d5eff" });
  assertEquals(missing.status, 404);
  assertEquals(missing.body.error, "not_found");
  assertEquals(w.hms.calls.length, 0);
  assertEquals(w.db.shows.get(SHOW)?.room, null);
});

test("no token, an anonymous token or a forged token is a 401", async (w) => {
  assertEquals((await w.call({ action: "open", show_id: SHOW }, null)).status, 401);
  assertEquals((await w.call({ action: "open", show_id: SHOW }, await userToken(HOST, "anon"))).status, 401);
  const forged = (await userToken(HOST)).replace(/\.[^.]+$/, ".c2lnbmF0dXJl");
  const res = await w.call({ action: "open", show_id: SHOW }, forged);
  assertEquals(res.status, 401);
  assertEquals(res.body.error, "unauthorized");
  assertEquals(w.hms.calls.length, 0);
});

for (
  const [what, body] of [
    ["not JSON", "{"],
    ["a list", "[]"],
    ["an unknown action", { action: "delete", show_id: SHOW }],
    ["no show id", { action: "open" }],
    ["a malformed show id", { action: "open", show_id: "1; drop table" }],
  ] as const
) {
  test(`a body with ${what} is a 400`, async (w) => {
    const res = await w.call(body);
    assertEquals(res.status, 400);
    assertEquals(res.body.error, "invalid_request");
    assertEquals(w.db.calls.length, 0);
  });
}

test("an oversized body is a 413", async (w) => {
  const res = await w.call({ action: "open", show_id: SHOW, padding: "x".repeat(20_000) });
  assertEquals(res.status, 413);
});

test("missing 100ms secrets are a 500 naming the secret", async (w) => {
  const res = await w.call({ action: "open", show_id: SHOW });
  assertEquals(res, {
    status: 500,
    body: { error: "not_configured", message: "The server has no HMS_APP_SECRET secret set." },
  });
}, { HMS_APP_SECRET: undefined });

test("CORS preflight is answered and other methods are refused", async (w) => {
  const handler = createRoomsHandler({ env: (name) => w.env[name] });
  const pre = await handler(new Request("http://localhost/", { method: "OPTIONS" }));
  assertEquals(pre.status, 204);
  assertMatch(pre.headers.get("access-control-allow-headers") ?? "", /authorization/);
  assertMatch(pre.headers.get("access-control-allow-methods") ?? "", /POST/);
  const get = await handler(new Request("http://localhost/", { method: "GET" }));
  assertEquals(get.status, 405);
  await get.body?.cancel();
});
