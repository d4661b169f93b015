/** A small client of the 100ms REST API v2: rooms, room codes, active rooms, RTMP restreams. */

import { ApiError, isObject } from "./http.ts";
import { managementToken } from "./jwt.ts";

export interface HmsConfig {
  accessKey: string;
  appSecret: string;
  templateId: string;
  subdomain: string;
  apiBase: string;
  /** The template's role names for the host, co-hosts and viewers. */
  roles: { host: string; cohost: string; viewer: string };
}

export type Env = (name: string) => string | undefined;

/** The 100ms settings from the function's secrets; 500 `not_configured` naming what is missing. */
export function hmsConfigFromEnv(env: Env): HmsConfig {
  const need = (name: string): string => {
    const value = env(name)?.trim();
    if (!value) {
      throw new ApiError(500, "not_configured", `The server has no ${name} secret set.`);
    }
    return value;
  };
  const subdomain = need("HMS_SUBDOMAIN");
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(subdomain)) {
    throw new ApiError(500, "not_configured", "HMS_SUBDOMAIN is not a 100ms subdomain.");
  }
  return {
    accessKey: need("HMS_ACCESS_KEY"),
    appSecret: need("HMS_APP_SECRET"),
    templateId: need("HMS_TEMPLATE_ID"),
    subdomain,
    apiBase: (env("HMS_API_BASE")?.trim() || "https://api.100ms.live/v2").replace(/\/+$/, ""),
    roles: {
      host: env("HMS_ROLE_HOST")?.trim() || "host",
      cohost: env("HMS_ROLE_COHOST")?.trim() || "co-host",
      viewer: env("HMS_ROLE_VIEWER")?.trim() || "viewer",
    },
  };
}

/** A refusal or failure of 100ms: its HTTP status (0: not reached) and its message. */
export class HmsError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "HmsError";
  }
}

export interface HmsRoom {
  id: string;
  enabled: boolean;
}

export interface HmsPeer {
  peer_id: string;
  user_id: string | null;
  role: string;
  joined_at: string | null;
}

export interface HmsClientOptions {
  fetch?: typeof fetch;
  now?: () => number;
  /** Milliseconds before a request is abandoned. */
  timeoutMs?: number;
  /** Pause before the retries of a safe request, in milliseconds. */
  backoffMs?: number[];
}

const TOKEN_TTL_SECONDS = 3600;

export class HmsClient {
  private token: { value: string; expires: number } | null = null;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number[];

  constructor(readonly config: HmsConfig, options: HmsClientOptions = {}) {
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? (() => Date.now());
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.backoffMs = options.backoffMs ?? [250, 1000];
  }

  /** A management token, reused until ten minutes before it expires. */
  async managementToken(): Promise<string> {
    const nowSeconds = Math.floor(this.now() / 1000);
    if (!this.token || this.token.expires - 600 <= nowSeconds) {
      const value = await managementToken(
        this.config.accessKey,
        this.config.appSecret,
        nowSeconds,
        TOKEN_TTL_SECONDS,
      );
      this.token = { value, expires: nowSeconds + TOKEN_TTL_SECONDS };
    }
    return this.token.value;
  }

  /**
   * One API call. `safe` calls (reads, and writes 100ms treats as idempotent) are retried on
   * 429, 5xx and network failures; others are tried once, so nothing is done twice.
   */
  async request(method: string, path: string, body?: unknown, safe = false): Promise<unknown> {
    const attempts = safe ? this.backoffMs.length + 1 : 1;
    let last: HmsError | null = null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.backoffMs[attempt - 1]));
      let response: Response;
      try {
        response = await this.fetchFn(`${this.config.apiBase}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${await this.managementToken()}`,
            "Content-Type": "application/json",
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        last = new HmsError(0, `100ms could not be reached (${(err as Error).name}).`);
        continue;
      }
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      if (response.ok) return parsed;
      const detail = isObject(parsed) && typeof parsed.message === "string"
        ? parsed.message
        : text.slice(0, 200) || response.statusText;
      last = new HmsError(response.status, detail);
      if (response.status !== 429 && response.status < 500) break;
    }
    throw last ?? new HmsError(0, "100ms could not be reached.");
  }

  /** Creates the room `name` from the template (100ms returns the existing room of that name). */
  async createRoom(name: string, description: string): Promise<HmsRoom> {
    const room = await this.request("POST", "/rooms", {
      name,
      description,
      template_id: this.config.templateId,
    }, true);
    if (!isObject(room) || typeof room.id !== "string") {
      throw new HmsError(502, "100ms answered the room creation without a room id.");
    }
    return { id: room.id, enabled: room.enabled !== false };
  }

  async setRoomEnabled(roomId: string, enabled: boolean): Promise<void> {
    await this.request("POST", `/rooms/${encodeURIComponent(roomId)}`, { enabled }, true);
  }

  /** Room codes of every role of the room: role name -> code. */
  async createRoomCodes(roomId: string): Promise<Record<string, string>> {
    const answer = await this.request("POST", `/room-codes/room/${encodeURIComponent(roomId)}`);
    const data = isObject(answer) && Array.isArray(answer.data) ? answer.data : null;
    if (!data) throw new HmsError(502, "100ms answered without room codes.");
    const codes: Record<string, string> = {};
    for (const item of data) {
      if (
        isObject(item) && typeof item.role === "string" && typeof item.code === "string" &&
        item.enabled !== false
      ) {
        codes[item.role] = item.code;
      }
    }
    return codes;
  }

  /** Ends the room's session; with `lock`, nobody can join it again. */
  async endRoom(roomId: string, reason: string, lock: boolean): Promise<void> {
    await this.request("POST", `/active-rooms/${encodeURIComponent(roomId)}/end-room`, {
      reason,
      lock,
    }, true);
  }

  /** The peers in the room now. */
  async listPeers(roomId: string): Promise<HmsPeer[]> {
    const answer = await this.request(
      "GET",
      `/active-rooms/${encodeURIComponent(roomId)}/peers`,
      undefined,
      true,
    );
    const peers = isObject(answer) && isObject(answer.peers) ? Object.values(answer.peers) : [];
    return peers.filter(isObject).map((p) => ({
      peer_id: String(p.id ?? ""),
      user_id: typeof p.user_id === "string" && p.user_id !== "" ? p.user_id : null,
      role: String(p.role ?? ""),
      joined_at: typeof p.joined_at === "string" ? p.joined_at : null,
    }));
  }

  /** Streams the room to up to three RTMP destinations (100ms external streams). */
  async startRestream(roomId: string, meetingUrl: string, rtmpUrls: string[]): Promise<void> {
    await this.request("POST", `/external-streams/room/${encodeURIComponent(roomId)}/start`, {
      meeting_url: meetingUrl,
      rtmp_urls: rtmpUrls,
      recording: false,
    });
  }

  async stopRestream(roomId: string): Promise<void> {
    await this.request(
      "POST",
      `/external-streams/room/${encodeURIComponent(roomId)}/stop`,
      {},
      true,
    );
  }

  /** The page 100ms's streaming bot opens to compose the restream: the viewer's view. */
  meetingUrl(roomId: string): string {
    const role = encodeURIComponent(this.config.roles.viewer);
    return `https://${this.config.subdomain}.app.100ms.live/preview/${
      encodeURIComponent(roomId)
    }/${role}?skip_preview=true`;
  }
}
