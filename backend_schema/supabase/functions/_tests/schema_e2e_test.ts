/**
 * Both functions against the real schema: run by tests/test_edge_functions.py, which serves a
 * database's RPCs the way PostgREST does and passes their address in SHOPSTREAM_E2E (JSON).
 * Without it these tests are ignored. 100ms is the local mock.
 */

import { createRoomsHandler } from "../hms-rooms/handler.ts";
import { createWebhookHandler, SECRET_HEADER } from "../hms-webhook/handler.ts";
import { HmsClient } from "../_shared/hms.ts";
import { signHs256 } from "../_shared/jwt.ts";
import { assertEquals } from "./assert.ts";
import { MockHms } from "./mock_hms.ts";
import { recorded, serve } from "./servers.ts";

interface E2e {
  url: string;
  anon_key: string;
  service_key: string;
  jwt_secret: string;
  host: string;
  stranger: string;
  viewer: string;
  show: string;
}

const raw = Deno.env.get("SHOPSTREAM_E2E");
const config: E2e | null = raw ? JSON.parse(raw) : null;

Deno.test({
  name: "a show's room, its viewers from recorded webhook bodies, and its end, on the real schema",
  ignore: config === null,
  fn: async () => {
    const e2e = config!;
    const hms = new MockHms("e2e-access-key", "e2e-app-secret");
    const hmsServer = serve(hms.handler);
    try {
      const env: Record<string, string> = {
        SUPABASE_URL: e2e.url,
        SUPABASE_ANON_KEY: e2e.anon_key,
        SUPABASE_SERVICE_ROLE_KEY: e2e.service_key,
        HMS_ACCESS_KEY: "e2e-access-key",
        HMS_APP_SECRET: "e2e-app-secret",
        HMS_TEMPLATE_ID: "e2e-template",
        HMS_SUBDOMAIN: "shopstream",
        HMS_API_BASE: `${hmsServer.url}/v2`,
        HMS_WEBHOOK_SECRET: "e2e-webhook-secret",
      };
      const rooms = createRoomsHandler({
        env: (n) => env[n],
        hmsClient: (c) => new HmsClient(c, { backoffMs: [1, 1] }),
      });
      const webhook = createWebhookHandler({ env: (n) => env[n] });
      const token = (sub: string) =>
        signHs256({
          sub,
          role: "authenticated",
          aud: "authenticated",
          exp: Math.floor(Date.now() / 1000) + 600,
        }, e2e.jwt_secret);
      const room = async (sub: string, body: unknown) => {
        const res = await rooms(
          new Request("http://localhost/hms-rooms", {
            method: "POST",
            headers: { Authorization: `Bearer ${await token(sub)}`, apikey: e2e.anon_key },
            body: JSON.stringify(body),
          }),
        );
        return { status: res.status, body: await res.json() };
      };
      const deliver = async (event: Record<string, unknown>) => {
        const res = await webhook(
          new Request("http://localhost/hms-webhook", {
            method: "POST",
            headers: { [SECRET_HEADER]: "e2e-webhook-secret" },
            body: JSON.stringify(event),
          }),
        );
        return { status: res.status, body: await res.json() };
      };

      // Only the host opens the room; the database says who that is.
      assertEquals((await room(e2e.stranger, { action: "open", show_id: e2e.show })).status, 403);
      assertEquals((await room(e2e.host, { action: "open", show_id: crypto.randomUUID() })).status, 404);
      const opened = await room(e2e.host, { action: "open", show_id: e2e.show });
      assertEquals(opened.status, 200, JSON.stringify(opened.body));
      const roomId = String(opened.body.room_id);
      // The codes were stored: opening again reads them back without asking 100ms.
      const calls = hms.calls.length;
      assertEquals(await room(e2e.host, { action: "open", show_id: e2e.show }), opened);
      assertEquals(hms.calls.length, calls);

      // Viewers, from recorded bodies in this room.
      const inRoom = async (name: string, id: string, data: Record<string, unknown> = {}) => {
        const event = await recorded(name);
        const body = event.data as Record<string, unknown>;
        return { ...event, id, data: { ...body, room_id: roomId, ...data } };
      };
      const join = await inRoom("peer_join_viewer", `${roomId}-j1`, { user_id: e2e.viewer });
      const outcome = async (event: Record<string, unknown>) => (await deliver(event)).body.outcome;
      assertEquals(await outcome(join), "joined");
      assertEquals(await outcome(join), "replayed");
      assertEquals(await outcome(await inRoom("peer_join_host", `${roomId}-h1`)), "broadcaster");
      // A second viewer whose leave arrives before their join.
      const second = { peer_id: "second-peer", user_id: "" };
      assertEquals(
        await outcome(await inRoom("peer_leave_viewer", `${roomId}-l2`, second)),
        "left_before_join",
      );
      assertEquals(await outcome(await inRoom("peer_join_viewer", `${roomId}-j2`, second)), "already_joined");
      assertEquals(await outcome(await inRoom("peer_leave_viewer", `${roomId}-l1`)), "left");
      const bad = await deliver(await inRoom("peer_join_viewer", `${roomId}-bad`, { joined_at: "soon" }));
      assertEquals(bad.status, 400);

      // Restream while the room is open, then the end of the room.
      const restream = await room(e2e.host, {
        action: "restream_start",
        show_id: e2e.show,
        rtmp_urls: ["rtmp://a.rtmp.youtube.com/live2/key-1"],
      });
      assertEquals(restream.status, 200);
      assertEquals((await room(e2e.host, { action: "end", show_id: e2e.show })).status, 200);
      const again = await room(e2e.host, { action: "end", show_id: e2e.show });
      assertEquals([again.status, again.body.error], [409, "already_ended"]);
    } finally {
      await hmsServer.close();
    }
  },
});
