/**
 * A fake PostgREST for the functions' tests: the RPCs they call, answering as the schema's
 * functions do (errors as PostgREST reports them: {code, message} with the SQLSTATE), and
 * checking the caller's JWT like PostgREST does. The SQL itself is tested in tests/schema.
 */

import { isObject } from "../_shared/http.ts";
import { signHs256, verifyHs256 } from "../_shared/jwt.ts";

export const JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters";
export const ANON_KEY = "anon-key-for-tests";
export const SERVICE_KEY = "sb_secret_service-key-for-tests";

export interface FakeShow {
  host: string;
  status: string;
  room: string | null;
  codes: Record<string, string | null> | null;
}

export interface RpcCall {
  fn: string;
  args: Record<string, unknown>;
  apikey: string | null;
  authorization: string | null;
}

/** A user's access token as Supabase Auth issues it. */
export function userToken(userId: string, role = "authenticated"): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signHs256({ sub: userId, role, aud: "authenticated", iat: now, exp: now + 3600 }, JWT_SECRET);
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const refuse = (status: number, code: string, message: string): Response =>
  json(status, { code, message, details: null, hint: null });

export class FakePostgrest {
  shows = new Map<string, FakeShow>();
  calls: RpcCall[] = [];
  /** What record_hms_peer_event answers for an event (the SQL's outcome is tested in pytest). */
  peerEventAnswer: (event: unknown) => Response = (event) =>
    json(200, { event_id: isObject(event) ? event.id : null, outcome: "joined", session_id: null });

  handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const fn = /^\/rest\/v1\/rpc\/(\w+)$/.exec(url.pathname)?.[1];
    const args = JSON.parse(await req.text() || "{}");
    const apikey = req.headers.get("apikey");
    const authorization = req.headers.get("authorization");
    this.calls.push({ fn: fn ?? url.pathname, args, apikey, authorization });
    if (!fn) return refuse(404, "PGRST202", "no such function");
    if (apikey !== ANON_KEY && apikey !== SERVICE_KEY) return refuse(401, "PGRST301", "Invalid API key");

    let role = apikey === SERVICE_KEY ? "service_role" : "anon";
    let uid: string | null = null;
    if (authorization) {
      const claims = await verifyHs256(authorization.replace(/^Bearer /, ""), JWT_SECRET);
      if (!claims) return refuse(401, "PGRST301", "JWSError JWSInvalidSignature");
      role = String(claims.role);
      uid = typeof claims.sub === "string" ? claims.sub : null;
    }

    if (fn === "record_hms_peer_event") {
      if (role !== "service_role") {
        return refuse(401, "42501", "permission denied for function record_hms_peer_event");
      }
      return this.peerEventAnswer(args.p_event);
    }
    if (role !== "authenticated") return refuse(401, "42501", `permission denied for function ${fn}`);
    const show = this.shows.get(String(args.p_session_id));
    if (!show) return refuse(400, "P0002", `show ${args.p_session_id} not found`);
    if (show.host !== uid) {
      return refuse(403, "42501", "only the host of this show may read its stream credentials");
    }

    if (fn === "host_session_credentials") {
      return json(200, {
        session_id: args.p_session_id,
        status: show.status,
        is_rehearsal: false,
        hms_room_id: show.room,
        hms_host_room_code: show.codes?.host ?? null,
        hms_cohost_room_code: show.codes?.["co-host"] ?? null,
        hms_viewer_room_code: show.codes?.viewer ?? null,
        stream_key: "sk_test",
      });
    }
    if (fn === "record_show_room") {
      if (show.status !== "scheduled" && show.status !== "live") {
        return refuse(400, "55000", `Cannot open a video room: the show is ${show.status}`);
      }
      show.room = String(args.p_room_id);
      show.codes = args.p_codes as Record<string, string | null>;
      return new Response(null, { status: 204 });
    }
    if (fn === "clear_show_room") {
      show.room = null;
      show.codes = null;
      return new Response(null, { status: 204 });
    }
    return refuse(404, "PGRST202", `Could not find the function public.${fn}`);
  };
}
