/**
 * A local stand-in for the 100ms REST API v2: the documented endpoints the functions use, each
 * refusing a request whose management token is not signed with the app secret or lacks a claim.
 */

import { verifyHs256 } from "../_shared/jwt.ts";
import { isObject } from "../_shared/http.ts";

export interface MockRoom {
  id: string;
  name: string;
  description: string;
  template_id: string;
  enabled: boolean;
}

export interface MockCall {
  method: string;
  path: string;
  body: unknown;
}

export interface MockPeer {
  id: string;
  name: string;
  user_id: string;
  role: string;
  joined_at: string;
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export class MockHms {
  rooms = new Map<string, MockRoom>();
  peers = new Map<string, MockPeer[]>();
  ended: { roomId: string; reason: unknown; lock: unknown }[] = [];
  streams = new Map<string, { meeting_url: unknown; rtmp_urls: unknown; recording: unknown }>();
  calls: MockCall[] = [];
  /** Tokens seen, by jti (a cached token is reused, so a jti may repeat). */
  tokens = new Set<string>();
  roles = ["host", "co-host", "viewer"];
  /** Answers for the next requests instead of the normal ones (status, message). */
  failures: { status: number; message: string }[] = [];
  private seq = 0;

  constructor(readonly accessKey: string, readonly appSecret: string) {}

  /** The reason a management token is refused, or null when it is good. */
  async tokenProblem(header: string | null): Promise<string | null> {
    const token = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    if (!token) return "no bearer token";
    const claims = await verifyHs256(token, this.appSecret);
    if (!claims) return "bad signature";
    const now = Math.floor(Date.now() / 1000);
    if (claims.access_key !== this.accessKey) return "wrong access_key";
    if (claims.type !== "management") return "type is not management";
    if (claims.version !== 2) return "version is not 2";
    for (const claim of ["iat", "nbf", "exp"]) {
      if (typeof claims[claim] !== "number") return `no ${claim}`;
    }
    if ((claims.nbf as number) > now + 5 || (claims.iat as number) > now + 5) return "not yet valid";
    if ((claims.exp as number) <= now) return "expired";
    if ((claims.exp as number) - (claims.iat as number) > 86400) return "lives over a day";
    if (typeof claims.jti !== "string" || claims.jti.length < 16) return "no jti";
    this.tokens.add(claims.jti);
    return null;
  }

  handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const text = req.method === "GET" ? "" : await req.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    this.calls.push({ method: req.method, path: url.pathname, body });
    const problem = await this.tokenProblem(req.headers.get("authorization"));
    if (problem) return json(401, { code: 401, message: "Token validation error", details: [problem] });
    const failure = this.failures.shift();
    if (failure) return json(failure.status, { code: failure.status, message: failure.message });

    const path = url.pathname.replace(/^\/v2/, "");
    let m: RegExpExecArray | null;
    if (req.method === "POST" && path === "/rooms") {
      if (!isObject(body) || typeof body.name !== "string") return json(400, { code: 400, message: "name" });
      const existing = [...this.rooms.values()].find((r) => r.name === body.name);
      if (existing) return json(200, existing);
      const room: MockRoom = {
        id: `65${(++this.seq).toString(16).padStart(22, "0")}`,
        name: body.name,
        description: String(body.description ?? ""),
        template_id: String(body.template_id ?? ""),
        enabled: true,
      };
      this.rooms.set(room.id, room);
      return json(200, room);
    }
    if (req.method === "POST" && (m = /^\/rooms\/([^/]+)$/.exec(path))) {
      const room = this.rooms.get(m[1]);
      if (!room) return json(404, { code: 404, message: "room not found" });
      if (isObject(body) && typeof body.enabled === "boolean") room.enabled = body.enabled;
      return json(200, room);
    }
    if (req.method === "POST" && (m = /^\/room-codes\/room\/([^/]+)$/.exec(path))) {
      const room = this.rooms.get(m[1]);
      if (!room) return json(404, { code: 404, message: "Room not found" });
      if (!room.enabled) return json(403, { code: 403, message: "Room is disabled" });
      return json(200, {
        data: this.roles.map((role) => ({
          code: `${role.slice(0, 3)}-${room.id.slice(-4)}-x`,
          room_id: room.id,
          role,
          enabled: true,
          created_at: "2026-12-03T17:59:00Z",
          updated_at: "2026-12-03T17:59:00Z",
        })),
      });
    }
    if (req.method === "POST" && (m = /^\/active-rooms\/([^/]+)\/end-room$/.exec(path))) {
      const room = this.rooms.get(m[1]);
      if (!room || !(this.peers.get(room.id)?.length)) {
        return json(404, { code: 404, message: "active room not found" });
      }
      this.ended.push({
        roomId: room.id,
        reason: isObject(body) ? body.reason : undefined,
        lock: isObject(body) ? body.lock : undefined,
      });
      this.peers.delete(room.id);
      if (isObject(body) && body.lock === true) room.enabled = false;
      return json(200, { message: "session is ending" });
    }
    if (req.method === "GET" && (m = /^\/active-rooms\/([^/]+)\/peers$/.exec(path))) {
      const peers = this.peers.get(m[1]);
      if (!peers?.length) return json(404, { code: 404, message: "active room not found" });
      return json(200, { peers: Object.fromEntries(peers.map((p) => [p.id, { ...p, metadata: "" }])) });
    }
    if (req.method === "POST" && (m = /^\/external-streams\/room\/([^/]+)\/(start|stop)$/.exec(path))) {
      const room = this.rooms.get(m[1]);
      if (!room) return json(404, { code: 404, message: "room not found" });
      if (m[2] === "stop") {
        if (!this.streams.delete(room.id)) return json(404, { code: 404, message: "no stream running" });
        return json(200, { jobs: [] });
      }
      if (!isObject(body) || !Array.isArray(body.rtmp_urls) || typeof body.meeting_url !== "string") {
        return json(400, { code: 400, message: "meeting_url and rtmp_urls are required" });
      }
      this.streams.set(room.id, {
        meeting_url: body.meeting_url,
        rtmp_urls: body.rtmp_urls,
        recording: body.recording,
      });
      return json(200, { id: "job-1", room_id: room.id, status: "starting", rtmp_urls: body.rtmp_urls });
    }
    return json(404, { code: 404, message: `no route ${req.method} ${url.pathname}` });
  };
}
