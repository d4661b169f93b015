/**
 * Latency of hms-rooms and hms-webhook over local HTTP mocks (100ms mock, fake PostgREST):
 * what the functions themselves add, without the network to 100ms or the database.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read=. _bench/latency.ts [runs]
 */

import { createRoomsHandler } from "../hms-rooms/handler.ts";
import { createWebhookHandler, SECRET_HEADER } from "../hms-webhook/handler.ts";
import { HmsClient } from "../_shared/hms.ts";
import { ANON_KEY, FakePostgrest, SERVICE_KEY, userToken } from "../_tests/fake_postgrest.ts";
import { MockHms } from "../_tests/mock_hms.ts";
import { recorded, serve } from "../_tests/servers.ts";

const runs = Number(Deno.args[0] ?? "300");
const HOST = crypto.randomUUID();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function report(what: string, ms: number[]): void {
  const sorted = [...ms].sort((a, b) => a - b);
  console.log(
    `${what.padEnd(28)} n=${sorted.length}  p50 ${percentile(sorted, 50).toFixed(2)} ms` +
      `  p95 ${percentile(sorted, 95).toFixed(2)} ms  max ${sorted[sorted.length - 1].toFixed(2)} ms`,
  );
}

const hms = new MockHms("bench-access-key", "bench-app-secret");
const db = new FakePostgrest();
const hmsServer = serve(hms.handler);
const dbServer = serve(db.handler);
const env: Record<string, string> = {
  SUPABASE_URL: dbServer.url,
  SUPABASE_ANON_KEY: ANON_KEY,
  SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
  HMS_ACCESS_KEY: "bench-access-key",
  HMS_APP_SECRET: "bench-app-secret",
  HMS_TEMPLATE_ID: "bench-template",
  HMS_SUBDOMAIN: "shopstream",
  HMS_API_BASE: `${hmsServer.url}/v2`,
  HMS_WEBHOOK_SECRET: "bench-secret",
};
const rooms = createRoomsHandler({ env: (n) => env[n], hmsClient: (c) => new HmsClient(c) });
const webhook = createWebhookHandler({ env: (n) => env[n] });
const token = await userToken(HOST);
const call = async (body: unknown): Promise<number> => {
  const start = performance.now();
  const res = await rooms(
    new Request("http://localhost/hms-rooms", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, apikey: ANON_KEY },
      body: JSON.stringify(body),
    }),
  );
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return performance.now() - start;
};

const open: number[] = [];
const end: number[] = [];
const join: number[] = [];
const event = await recorded("peer_join_viewer");
for (let i = 0; i < runs + 20; i++) {
  const show = crypto.randomUUID();
  db.shows.set(show, { host: HOST, status: "live", room: null, codes: null });
  const o = await call({ action: "open", show_id: show });
  const start = performance.now();
  const res = await webhook(
    new Request("http://localhost/hms-webhook", {
      method: "POST",
      headers: { [SECRET_HEADER]: "bench-secret" },
      body: JSON.stringify({ ...event, id: `${show}-join` }),
    }),
  );
  await res.arrayBuffer();
  const j = performance.now() - start;
  const e = await call({ action: "end", show_id: show });
  if (i >= 20) { // the first runs warm up the JIT and the connections
    open.push(o);
    join.push(j);
    end.push(e);
  }
}
report("open (room + codes + record)", open);
report("end (end-room + clear)", end);
report("webhook peer join", join);
await hmsServer.close();
await dbServer.close();
