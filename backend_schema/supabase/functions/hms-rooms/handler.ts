/** hms-rooms: a host opens, reads, restreams and ends the 100ms room of their show. */

import {
  ApiError,
  bearerToken,
  corsHeaders,
  errorResponse,
  isObject,
  json,
  readJson,
} from "../_shared/http.ts";
import { decodePayload } from "../_shared/jwt.ts";
import { type Env, HmsClient, type HmsConfig, hmsConfigFromEnv, HmsError } from "../_shared/hms.ts";
import { apiErrorFrom, type Credentials, PostgrestError, rpc } from "../_shared/postgrest.ts";

const ACTIONS = ["open", "end", "peers", "restream_start", "restream_stop"] as const;
type Action = typeof ACTIONS[number];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BODY_BYTES = 16 * 1024;

interface RoomsRequest {
  action: Action;
  showId: string;
  rtmpUrls: string[];
}

/** What host_session_credentials() answers (the fields used here). */
interface ShowCredentials {
  status: string;
  hms_room_id: string | null;
  hms_host_room_code: string | null;
  hms_cohost_room_code: string | null;
  hms_viewer_room_code: string | null;
}

export interface RoomsDeps {
  env: Env;
  fetch?: typeof fetch;
  /** One client per configuration, so its management token is reused across requests. */
  hmsClient?: (config: HmsConfig) => HmsClient;
}

function parseRequest(body: unknown): RoomsRequest {
  if (!isObject(body)) {
    throw new ApiError(400, "invalid_request", "The body must be a JSON object.");
  }
  const action = body.action;
  if (typeof action !== "string" || !(ACTIONS as readonly string[]).includes(action)) {
    throw new ApiError(400, "invalid_request", `action must be one of ${ACTIONS.join(", ")}.`);
  }
  if (typeof body.show_id !== "string" || !UUID.test(body.show_id)) {
    throw new ApiError(400, "invalid_request", "show_id must be the show's id (a UUID).");
  }
  let rtmpUrls: string[] = [];
  if (action === "restream_start") {
    const urls = body.rtmp_urls;
    if (!Array.isArray(urls) || urls.length < 1 || urls.length > 3) {
      throw new ApiError(400, "invalid_request", "rtmp_urls must list 1 to 3 RTMP addresses.");
    }
    for (const url of urls) {
      if (typeof url !== "string" || url.length > 2048 || !/^rtmps?:\/\/[^\s/]+\/\S+$/.test(url)) {
        // The address holds a stream key: it is not echoed back.
        throw new ApiError(
          400,
          "invalid_request",
          "Each RTMP address must start with rtmp:// or rtmps:// and name a server and a path.",
        );
      }
    }
    rtmpUrls = urls as string[];
  }
  return { action: action as Action, showId: body.show_id, rtmpUrls };
}

/** The request handler, with its environment and network access given (tests give mocks). */
export function createRoomsHandler(deps: RoomsDeps): (req: Request) => Promise<Response> {
  const fetchFn = deps.fetch ?? fetch;
  const clients = new Map<string, HmsClient>();
  const clientFor = (config: HmsConfig): HmsClient => {
    const key = JSON.stringify(config);
    let client = clients.get(key);
    if (!client) {
      client = deps.hmsClient ? deps.hmsClient(config) : new HmsClient(config, { fetch: fetchFn });
      clients.set(key, client);
    }
    return client;
  };

  return async (req: Request): Promise<Response> => {
    if (req.method === "OPTIONS") return new Response(null, { status: 204, headers: corsHeaders });
    try {
      if (req.method !== "POST") {
        throw new ApiError(405, "method_not_allowed", "Use POST.");
      }
      const token = bearerToken(req);
      const claims = token ? decodePayload(token) : null;
      if (!token || !claims || claims.role !== "authenticated" || typeof claims.sub !== "string") {
        throw new ApiError(401, "unauthorized", "Sign in: the request needs your access token.");
      }
      const request = parseRequest(await readJson(req, MAX_BODY_BYTES));
      const supabaseUrl = deps.env("SUPABASE_URL");
      const apikey = req.headers.get("apikey") ?? deps.env("SUPABASE_ANON_KEY");
      if (!supabaseUrl || !apikey) {
        throw new ApiError(500, "not_configured", "The server has no SUPABASE_URL or API key set.");
      }
      const caller: Credentials = { apikey, bearer: token };
      const call = async (fn: string, args: Record<string, unknown>): Promise<unknown> => {
        try {
          return await rpc(supabaseUrl, fn, args, caller, fetchFn);
        } catch (err) {
          throw err instanceof PostgrestError ? apiErrorFrom(err) : err;
        }
      };
      // Ownership first, with the caller's own rights: a stranger learns nothing more, and no
      // service key is needed.
      const show = await call("host_session_credentials", {
        p_session_id: request.showId,
      }) as ShowCredentials;
      const hms = clientFor(hmsConfigFromEnv(deps.env));
      try {
        return json(200, await perform(request, show, hms, call));
      } catch (err) {
        if (err instanceof HmsError) {
          throw new ApiError(502, "hms_error", `100ms: ${err.message} (HTTP ${err.status || "unreachable"})`);
        }
        throw err;
      }
    } catch (err) {
      return errorResponse(err);
    }
  };
}

type Call = (fn: string, args: Record<string, unknown>) => Promise<unknown>;

async function perform(
  request: RoomsRequest,
  show: ShowCredentials,
  hms: HmsClient,
  call: Call,
): Promise<unknown> {
  const roomId = show.hms_room_id;
  const needRoom = (): string => {
    if (!roomId) throw new ApiError(409, "no_room", "The show has no open video room.");
    return roomId;
  };
  switch (request.action) {
    case "open":
      return await openRoom(request.showId, show, hms, call);
    case "end": {
      if (!roomId) throw new ApiError(409, "already_ended", "The show's video room has already ended.");
      try {
        await hms.endRoom(roomId, "The show has ended", true);
      } catch (err) {
        // Nobody in the room (no active session): lock it so nobody joins later.
        if (!(err instanceof HmsError && err.status === 404)) throw err;
        await hms.setRoomEnabled(roomId, false);
      }
      await call("clear_show_room", { p_session_id: request.showId });
      return { ok: true };
    }
    case "peers": {
      const id = needRoom();
      try {
        return { peers: await hms.listPeers(id) };
      } catch (err) {
        // 404: the room has no active session, so nobody is in it.
        if (err instanceof HmsError && err.status === 404) return { peers: [] };
        throw err;
      }
    }
    case "restream_start": {
      const id = needRoom();
      await hms.startRestream(id, hms.meetingUrl(id), request.rtmpUrls);
      return { ok: true };
    }
    case "restream_stop": {
      const id = needRoom();
      try {
        await hms.stopRestream(id);
      } catch (err) {
        if (!(err instanceof HmsError && err.status === 404)) throw err; // nothing was running
      }
      return { ok: true };
    }
  }
}

async function openRoom(showId: string, show: ShowCredentials, hms: HmsClient, call: Call): Promise<unknown> {
  if (show.status === "ended" || show.status === "cancelled") {
    throw new ApiError(409, "show_ended", `The show is ${show.status}: it cannot have a video room.`);
  }
  const subdomain = hms.config.subdomain;
  if (show.hms_room_id && show.hms_host_room_code && show.hms_viewer_room_code) {
    // Opened already (a retry, or a second device): the same room and codes.
    return {
      room_id: show.hms_room_id,
      codes: {
        host: show.hms_host_room_code,
        "co-host": show.hms_cohost_room_code,
        viewer: show.hms_viewer_room_code,
      },
      subdomain,
    };
  }
  // One room per show: 100ms answers a creation with an existing name with that room.
  const room = await hms.createRoom(`shopstream-${showId}`, `ShopStream show ${showId}`);
  if (!room.enabled) await hms.setRoomEnabled(room.id, true);
  const byRole = await hms.createRoomCodes(room.id);
  const { host, cohost, viewer } = hms.config.roles;
  // The show needs its host and viewers; a template without the co-host role means no co-hosts.
  for (const role of [host, viewer]) {
    if (!byRole[role]) {
      throw new ApiError(502, "hms_template", `100ms: the room's template has no role "${role}".`);
    }
  }
  const codes = { host: byRole[host], "co-host": byRole[cohost] ?? null, viewer: byRole[viewer] };
  await call("record_show_room", { p_session_id: showId, p_room_id: room.id, p_codes: codes });
  return { room_id: room.id, codes, subdomain };
}
