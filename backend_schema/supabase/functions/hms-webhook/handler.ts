/** hms-webhook: 100ms's peer join/leave events, checked for the shared secret, into the database. */

import { ApiError, errorResponse, isObject, json, readJson } from "../_shared/http.ts";
import { timingSafeEqual } from "../_shared/jwt.ts";
import type { Env } from "../_shared/hms.ts";
import { PostgrestError, rpc, serviceCredentials } from "../_shared/postgrest.ts";

/** The header configured on the webhook in the 100ms dashboard, its value HMS_WEBHOOK_SECRET. */
export const SECRET_HEADER = "x-shopstream-webhook-secret";
export const PEER_EVENTS = new Set(["peer.join.success", "peer.leave.success"]);
const MAX_BODY_BYTES = 64 * 1024;

export interface WebhookDeps {
  env: Env;
  fetch?: typeof fetch;
}

export function createWebhookHandler(deps: WebhookDeps): (req: Request) => Promise<Response> {
  const fetchFn = deps.fetch ?? fetch;
  return async (req: Request): Promise<Response> => {
    try {
      if (req.method !== "POST") {
        throw new ApiError(405, "method_not_allowed", "Use POST.");
      }
      const secret = deps.env("HMS_WEBHOOK_SECRET");
      if (!secret) {
        // Never accept events when no secret is configured.
        throw new ApiError(500, "not_configured", "The server has no HMS_WEBHOOK_SECRET set.");
      }
      if (!(await timingSafeEqual(req.headers.get(SECRET_HEADER) ?? "", secret))) {
        throw new ApiError(401, "unauthorized", "The webhook secret is missing or wrong.");
      }
      const event = await readJson(req, MAX_BODY_BYTES);
      if (!isObject(event) || typeof event.type !== "string" || typeof event.id !== "string") {
        throw new ApiError(400, "invalid_request", "The body must be a 100ms event with an id and a type.");
      }
      if (!PEER_EVENTS.has(event.type)) {
        // 100ms sends every event type the webhook subscribes to; only presence matters here.
        return json(200, { ignored: true, type: event.type.slice(0, 100) });
      }
      const supabaseUrl = deps.env("SUPABASE_URL");
      const serviceKey = deps.env("SUPABASE_SERVICE_ROLE_KEY");
      if (!supabaseUrl || !serviceKey) {
        throw new ApiError(500, "not_configured", "The server has no SUPABASE_URL or service key.");
      }
      try {
        const result = await rpc(
          supabaseUrl,
          "record_hms_peer_event",
          { p_event: event },
          serviceCredentials(serviceKey),
          fetchFn,
        );
        return json(200, result);
      } catch (err) {
        if (!(err instanceof PostgrestError)) throw err;
        // A malformed event will not get better on retry; anything else, 100ms retries.
        if (err.code === "22023") throw new ApiError(400, "invalid_request", err.message);
        throw new ApiError(502, "database_error", "The event could not be recorded; retry later.");
      }
    } catch (err) {
      return errorResponse(err);
    }
  };
}
