/** Calls of the database's RPC functions through PostgREST, as the caller or the service role. */

import { ApiError, isObject } from "./http.ts";
import { looksLikeJwt } from "./jwt.ts";

/** Who a call runs as: the API key and, for a user or a legacy JWT key, the bearer token. */
export interface Credentials {
  apikey: string;
  bearer?: string;
}

/** A refusal of the database: PostgREST's HTTP status and the SQLSTATE-like code it reports. */
export class PostgrestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "PostgrestError";
  }
}

/** Credentials of the service role: new secret keys go in `apikey` only, legacy JWT keys in both. */
export function serviceCredentials(serviceKey: string): Credentials {
  return looksLikeJwt(serviceKey) ? { apikey: serviceKey, bearer: serviceKey } : { apikey: serviceKey };
}

/** Calls `public.<fn>(args)`; returns its JSON result. */
export async function rpc(
  supabaseUrl: string,
  fn: string,
  args: Record<string, unknown>,
  credentials: Credentials,
  fetchFn: typeof fetch = fetch,
): Promise<unknown> {
  const headers: Record<string, string> = {
    apikey: credentials.apikey,
    "Content-Type": "application/json",
    Accept: "application/json",
  };
  if (credentials.bearer) headers.Authorization = `Bearer ${credentials.bearer}`;
  let response: Response;
  try {
    response = await fetchFn(`${supabaseUrl.replace(/\/+$/, "")}/rest/v1/rpc/${fn}`, {
      method: "POST",
      headers,
      body: JSON.stringify(args),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new PostgrestError(0, "unreachable", `The database could not be reached (${(err as Error).name}).`);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (response.ok) return body;
  const code = isObject(body) && typeof body.code === "string" ? body.code : String(response.status);
  const message = isObject(body) && typeof body.message === "string"
    ? body.message
    : `The database answered HTTP ${response.status}.`;
  throw new PostgrestError(response.status, code, message);
}

/** The reply for a database refusal, by the SQLSTATE the schema's functions raise. */
export function apiErrorFrom(err: PostgrestError): ApiError {
  if (err.status === 401 || err.code === "PGRST301" || err.code === "PGRST302") {
    return new ApiError(401, "unauthorized", "Your session is not valid: sign in again.");
  }
  switch (err.code) {
    case "42501":
      return new ApiError(403, "forbidden", err.message);
    case "P0002":
      return new ApiError(404, "not_found", err.message);
    case "55000":
      return new ApiError(409, "conflict", err.message);
    case "22023":
    case "22P02":
      return new ApiError(400, "invalid_request", err.message);
    default:
      return new ApiError(502, "database_error", err.message);
  }
}
