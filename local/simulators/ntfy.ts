import { randomBytes } from "node:crypto";
import { type SimAnswer, type Simulator, startSimulator } from "./sim-server.ts";

/** A message the simulated ntfy accepted, as it was published. */
export interface ReceivedPush {
  topic: string;
  title?: string;
  message: string;
  priority: number;
  tags?: string[];
  click?: string;
  /** Whether the request carried the expected bearer token. */
  authorized: boolean;
}

export interface NtfySimulator extends Simulator {
  /** Every message accepted so far, oldest first. */
  readonly received: ReceivedPush[];
}

export interface NtfySimulatorOptions {
  /** When set, publishing and polling need `Authorization: Bearer <token>` (a protected topic). */
  token?: string;
  /** Told of each accepted push (the local server prints its title and tags). */
  onPush?: (push: ReceivedPush) => void;
}

/** A message as ntfy keeps it in its cache and answers it to a poll. */
type CachedMessage = Omit<ReceivedPush, "authorized"> & {
  id: string;
  time: number;
  expires: number;
  event: "message";
};

/** ntfy's `since`: "all", a unix time in seconds, a duration ("10m", "2h", "30s") or a message id. */
function sinceFilter(
  since: string | null,
  cache: CachedMessage[],
): ((m: CachedMessage) => boolean) | undefined {
  if (since === null || since === "all") return () => true;
  if (/^\d+$/.test(since)) return (m) => m.time >= Number(since);
  const duration = /^(\d+)([smhd])$/.exec(since);
  if (duration) {
    const seconds = Number(duration[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[duration[2] as "s"];
    return (m) => m.time >= Math.floor(Date.now() / 1000) - seconds;
  }
  const index = cache.findIndex((m) => m.id === since);
  return index < 0 ? undefined : (m) => cache.indexOf(m) > index;
}

const refuse = (status: number, code: number, error: string): SimAnswer => ({
  status,
  body: { code, http: status, error, link: "https://ntfy.sh/docs/publish/" },
});

/**
 * A loopback ntfy server: JSON publishing (`POST /` with `{ topic, title, message, priority, tags, click }`),
 * answered as ntfy does, with every accepted message recorded so tests can assert on what reached the "phone", and
 * ntfy's poll API (`GET /<topic>/json?poll=1[&since=...]`, one JSON message per line) so a person can see them too.
 */
export async function startNtfySimulator(options: NtfySimulatorOptions = {}): Promise<NtfySimulator> {
  const received: ReceivedPush[] = [];
  const cache: CachedMessage[] = [];
  const simulator = await startSimulator((url, request, text) => {
    const authorized = request.headers.authorization === `Bearer ${options.token}`;
    const poll = /^\/([-_A-Za-z0-9]{1,64})\/json$/.exec(url.pathname);
    if (request.method === "GET" && poll) {
      if (options.token && !authorized) return refuse(403, 40301, "forbidden");
      if (url.searchParams.get("poll") !== "1") {
        return refuse(400, 40000, "the simulated ntfy answers polls only: add ?poll=1");
      }
      const since = sinceFilter(url.searchParams.get("since"), cache);
      if (!since) return refuse(400, 40008, "invalid since parameter");
      const lines = cache.filter((m) => m.topic === poll[1] && since(m)).map((m) => `${JSON.stringify(m)}\n`);
      return {
        status: 200,
        body: lines.join(""),
        headers: { "content-type": "application/x-ndjson; charset=utf-8" },
      };
    }
    if (request.method !== "POST" || url.pathname !== "/") return refuse(404, 40401, "page not found");
    if (options.token && !authorized) return refuse(403, 40301, "forbidden");
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return refuse(400, 40024, "invalid request: body must be JSON");
    }
    if (typeof body.topic !== "string" || !/^[-_A-Za-z0-9]{1,64}$/.test(body.topic)) {
      return refuse(400, 40009, "invalid topic");
    }
    const priority = body.priority ?? 3;
    if (typeof priority !== "number" || priority < 1 || priority > 5) {
      return refuse(400, 40007, "invalid priority");
    }
    if (body.click !== undefined && typeof body.click !== "string")
      return refuse(400, 40013, "invalid click");
    const push: ReceivedPush = {
      topic: body.topic,
      message: String(body.message ?? ""),
      priority,
      authorized: Boolean(options.token) && authorized,
    };
    if (typeof body.title === "string") push.title = body.title;
    if (Array.isArray(body.tags)) push.tags = body.tags.map(String);
    if (typeof body.click === "string") push.click = body.click;
    received.push(push);
    options.onPush?.(push);
    const time = Math.floor(Date.now() / 1000);
    const { authorized: _authorized, ...published } = push;
    const message: CachedMessage = {
      id: randomBytes(6).toString("base64url"),
      time,
      expires: time + 43_200,
      event: "message",
      ...published,
    };
    cache.push(message);
    return { status: 200, body: message };
  });
  return Object.assign(simulator, { received });
}
