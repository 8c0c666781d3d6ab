import { ERROR_TYPE_META_KEY, REQUEST_ID_META_KEY, STATUS_META_KEY } from "../functions/core/call-result.ts";
import type { Answered } from "../functions/core/front.ts";

/**
 * The terminal line for one answered request: what was asked (JSON-RPC method and tool, or the status route), how
 * it ended (the call's status, or the error), how long it took, and the request id. Never an argument, a header,
 * a result or a key: those can hold secrets and personal details.
 *
 * The console's reads (its page, assets and polls, every few seconds while it is open) get no line: only its
 * sign-in, sign-out and cancels do.
 *
 * @example "07:41:03 tools/call golf_book_tee_time → working, 38 ms, request 0b6c…"
 */
export async function requestLine(answered: Answered, now = new Date()): Promise<string | undefined> {
  const { rpc, response } = answered;
  const route = routeOf(answered.path, answered.method);
  if (!route) {
    await response.body?.cancel();
    return undefined;
  }
  const asked = rpc.method
    ? `${rpc.method}${rpc.tool ? ` ${rpc.tool}` : ""}`
    : `${answered.method} ${route.name}`;
  const outcome = outcomeOf(await bodyOf(response), response.status, rpc.method !== undefined);
  const id = outcome.id ?? route.id;
  const time = now.toTimeString().slice(0, 8);
  return `${time} ${asked} → ${outcome.said}, ${Math.round(answered.durationMs)} ms${id ? `, request ${id}` : ""}`;
}

function routeOf(path: string, method: string): { name: string; id?: string } | undefined {
  const console = /\/console(\/.*)?$/.exec(path);
  if (console) {
    const cancel = /^\/api\/requests\/([0-9a-f-]{36})\/cancel$/.exec(console[1] ?? "");
    if (cancel?.[1] && method === "POST") return { name: "console cancel", id: cancel[1] };
    if (console[1] === "/api/session" && method === "POST") return { name: "console sign-in" };
    if (console[1] === "/api/session" && method === "DELETE") return { name: "console sign-out" };
    return undefined;
  }
  const match = /\/mcp\/status\/([^/]+)(\/cancel)?\/?$/.exec(path);
  if (!match) return { name: path.endsWith("/mcp") || path.endsWith("/mcp/") ? "/mcp" : "(unknown path)" };
  const id = /^[0-9a-f-]{36}$/i.test(match[1] ?? "") ? match[1] : undefined;
  return { name: match[2] ? "cancel" : "status", ...(id ? { id } : {}) };
}

async function bodyOf(response: Response): Promise<unknown> {
  if (!response.headers.get("content-type")?.includes("json")) {
    await response.body?.cancel();
    return undefined;
  }
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

type Body = {
  result?: {
    task?: { taskId?: unknown; status?: unknown };
    taskId?: unknown;
    status?: unknown;
    isError?: unknown;
    _meta?: Record<string, unknown>;
  };
  error?: { code?: unknown; message?: unknown; type?: unknown } | string;
  id?: unknown;
  status?: unknown;
};

function outcomeOf(body: unknown, httpStatus: number, isRpc: boolean): { said: string; id?: string } {
  const answer = (body ?? {}) as Body;
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  // The status routes answer with the status document (which may carry the call's `error`), or an HTTP error.
  // A failed call says why by its error's class (UpstreamRejected, BookingIncomplete...), never its detail.
  const because = (type: unknown) => (text(type) ? ` (${text(type)})` : "");
  if (!isRpc) {
    if (httpStatus >= 400 || !text(answer.status)) return { said: `HTTP ${httpStatus}` };
    const why =
      answer.status === "failed" && typeof answer.error === "object" ? answer.error.type : undefined;
    return { said: `${answer.status as string}${because(why)}` };
  }
  if (answer.error && typeof answer.error === "object") {
    return { said: `error ${String(answer.error.code)} (HTTP ${httpStatus})` };
  }
  const result = answer.result;
  if (result) {
    // A task (tools/call with a task, tasks/get, tasks/cancel) or a tool result carrying its request's status.
    const task = result.task ?? (text(result.taskId) ? result : undefined);
    const id = text(task?.taskId) ?? text(result._meta?.[REQUEST_ID_META_KEY]);
    const status = text(task?.status) ?? text(result._meta?.[STATUS_META_KEY]);
    const said = status ?? (result.isError ? "error" : "ok");
    return { said: `${said}${because(result._meta?.[ERROR_TYPE_META_KEY])}`, ...(id ? { id } : {}) };
  }
  return { said: `HTTP ${httpStatus}` };
}
