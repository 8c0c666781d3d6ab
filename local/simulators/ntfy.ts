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
  /** When set, publishing needs `Authorization: Bearer <token>` (a protected topic). */
  token?: string;
}

const refuse = (status: number, code: number, error: string): SimAnswer => ({
  status,
  body: { code, http: status, error, link: "https://ntfy.sh/docs/publish/" },
});

/**
 * A loopback ntfy server: JSON publishing (`POST /` with `{ topic, title, message, priority, tags, click }`),
 * answered as ntfy does, with every accepted message recorded so tests can assert on what reached the "phone".
 */
export async function startNtfySimulator(options: NtfySimulatorOptions = {}): Promise<NtfySimulator> {
  const received: ReceivedPush[] = [];
  const simulator = await startSimulator((url, request, text) => {
    if (request.method !== "POST" || url.pathname !== "/") return refuse(404, 40401, "page not found");
    const authorized = request.headers.authorization === `Bearer ${options.token}`;
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
    const time = Math.floor(Date.now() / 1000);
    return {
      status: 200,
      body: {
        id: randomBytes(6).toString("base64url"),
        time,
        expires: time + 43_200,
        event: "message",
        ...push,
        authorized: undefined,
      },
    };
  });
  return Object.assign(simulator, { received });
}
