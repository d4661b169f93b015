/** HTTP plumbing shared by the Edge Functions: JSON replies, CORS, API errors, request bodies. */

export const corsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type",
  "Access-Control-Allow-Methods": "POST, OPTIONS",
  "Access-Control-Max-Age": "86400",
};

/** An error with the HTTP status and the `{"error", "message"}` body it is answered with. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

/** A JSON reply (CORS headers included: the studio may call from an embedded web view). */
export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, "Content-Type": "application/json; charset=utf-8" },
  });
}

/** The reply for an error: its own status for an ApiError, 500 without details otherwise. */
export function errorResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    return json(err.status, { error: err.code, message: err.message });
  }
  // Details stay in the function's log: they may hold secrets or internal addresses.
  console.error("unexpected error", err);
  return json(500, { error: "internal", message: "Something went wrong on the server." });
}

/** The request's JSON body, at most `maxBytes` long (413 larger, 400 when not JSON). */
export async function readJson(req: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    throw new ApiError(413, "too_large", `The request body is larger than ${maxBytes} bytes.`);
  }
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > maxBytes) {
    throw new ApiError(413, "too_large", `The request body is larger than ${maxBytes} bytes.`);
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ApiError(400, "invalid_request", "The request body is not valid JSON.");
  }
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(req: Request): string | null {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
