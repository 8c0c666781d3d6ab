import type { CallLifecycle } from "../call-lifecycle.ts";
import { type ExecutionHistories, historyOfCall } from "../execution-history.ts";
import { httpError, jsonResponse } from "../http.ts";
import { KEY_MESSAGES, keyRefusalBody } from "../key-refusal.ts";
import {
  type Authenticator,
  InvalidCursor,
  type Principal,
  type RecordPage,
  type RequestStore,
} from "../ports.ts";
import { STATUSES, type Status } from "../status.ts";
import type { ToolRegistry } from "../tool.ts";
import { CONSOLE_ASSETS } from "./assets.ts";
import { type ConsoleRow, detailOf, type MachineName, rowOf } from "./rows.ts";
import { ConsoleSessions } from "./session.ts";

/**
 * The web console at `/console`, on both runtimes: static assets (no build step: the files in static/, served as
 * they are), a session from the API key, and a small JSON API the page reads. Every read is the signed-in key's
 * own; everything it shows comes through the same ports the MCP routes use (the lifecycle, the store, the
 * execution histories), so the page does not care where it runs.
 */

export interface ConsoleDeps {
  authenticator: Authenticator;
  lifecycle: CallLifecycle;
  store: RequestStore;
  tools: ToolRegistry;
  histories: ExecutionHistories;
  /** The state machines' ASL definitions, by name, for the page to draw. */
  machines: Readonly<Record<MachineName, object>>;
  secret: () => Promise<string>;
  now: () => number;
  /** The front's own cancel answer (200, 202 or 409), so both routes say the same. */
  cancel: (id: string, principal: Principal) => Promise<Response>;
}

/** How many of a key's requests one list answer reads at most (filters skip the rest). */
const PAGE_SIZE = 50;
const MAX_PAGES_PER_ANSWER = 10;
/** The most working scheduled calls listed on top. */
const MAX_WAITING = 200;

/** A page's own headers: nothing cached, nothing framed, nothing run but its own script. */
const PAGE_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  jsonResponse(status, body, { ...PAGE_HEADERS, ...headers });

/** An error answer (http.ts's shape) with the page's headers. */
const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  httpError(status, code, message, { ...PAGE_HEADERS, ...headers });

const notFound = () => refuse(404, "not_found", "Not found");

const signedOut = () => refuse(401, "signed_out", "Sign in with your API key to use the console.");

export function createConsole(deps: ConsoleDeps, basePath: string) {
  const sessions = new ConsoleSessions(deps.secret, deps.now);
  const cookiePath = `${basePath}/console`;

  async function signIn(request: Request): Promise<Response> {
    const principal = await deps.authenticator.authenticate(request);
    if (!principal) {
      const message = request.headers.get("x-api-key") ? KEY_MESSAGES.wrong : KEY_MESSAGES.missing;
      return json(403, keyRefusalBody(message));
    }
    const cookie = await sessions.start(principal, request, cookiePath);
    return new Response(null, { status: 204, headers: { ...PAGE_HEADERS, "set-cookie": cookie } });
  }

  async function list(url: URL, principal: Principal): Promise<Response> {
    const status = url.searchParams.get("status") || undefined;
    const tool = url.searchParams.get("tool") || undefined;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
      return refuse(400, "bad_request", `status must be one of ${STATUSES.join(", ")}`);
    }
    if (tool !== undefined && !deps.tools.get(tool)) {
      return refuse(400, "bad_request", "tool names no tool of this server");
    }
    const matches = (row: ConsoleRow) =>
      (status === undefined || row.status === (status as Status)) &&
      (tool === undefined || row.tool === tool);
    const rows: ConsoleRow[] = [];
    let cursor = url.searchParams.get("cursor") || undefined;
    for (let pages = 0; pages < MAX_PAGES_PER_ANSWER && rows.length < PAGE_SIZE; pages++) {
      let page: RecordPage;
      try {
        page = await deps.lifecycle.page(principal, PAGE_SIZE, cursor);
      } catch (error) {
        if (!(error instanceof InvalidCursor)) throw error;
        return refuse(400, "bad_request", "cursor is not one this list gave");
      }
      for (const record of page.records) {
        const row = rowOf(record, deps.tools.get(record.tool));
        if (matches(row)) rows.push(row);
      }
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return json(200, {
      now: new Date(deps.now()).toISOString(),
      waiting: url.searchParams.has("cursor") ? [] : await waiting(principal),
      requests: rows,
      nextCursor: cursor ?? null,
      tools: deps.tools
        .list()
        .filter((definition) => definition.runs === "workflow")
        .map((definition) => ({ name: definition.name, title: definition.title })),
    });
  }

  /** The key's scheduled bookings and watches still waiting, soonest first. */
  async function waiting(principal: Principal): Promise<ConsoleRow[]> {
    const working = await deps.store.listWorking("9999-12-31T23:59:59.999Z", MAX_WAITING);
    const rows = working
      .filter((record) => record.owner === principal.owner)
      .map((record) => rowOf(record, deps.tools.get(record.tool)))
      .filter((row) => row.waiting !== undefined);
    const due = (row: ConsoleRow) => row.waiting?.releaseAt ?? row.waiting?.nextCheckAt ?? row.createdAt;
    return rows.sort((a, b) => due(a).localeCompare(due(b)));
  }

  async function detail(id: string, principal: Principal): Promise<Response> {
    const record = await deps.lifecycle.owned(id, principal, 0);
    if (!record) return notFound();
    const definition = deps.tools.get(record.tool);
    return json(200, {
      ...detailOf(record, definition, deps.lifecycle.view(record)),
      history: await historyOfCall(deps.histories, record),
    });
  }

  function machine(name: string): Response {
    if (!Object.hasOwn(deps.machines, name)) return notFound();
    return jsonResponse(200, deps.machines[name as MachineName], {
      ...PAGE_HEADERS,
      "cache-control": "private, max-age=300",
    });
  }

  function asset(name: string): Response {
    const found = CONSOLE_ASSETS[name];
    if (!found) return notFound();
    return new Response(found.body, {
      status: 200,
      headers: { ...PAGE_HEADERS, "content-type": found.type, "cache-control": "no-cache" },
    });
  }

  /** Answers a request under `<basePath>/console`; `path` is what follows it. */
  return async function handle(request: Request, path: string): Promise<Response> {
    const method = request.method;
    // The page's relative links resolve under /console/, so /console itself moves there.
    if (path === "") return new Response(null, { status: 308, headers: { location: `${cookiePath}/` } });
    if (path === "/") return method === "GET" ? asset("index.html") : notAllowed("GET");
    const assetMatch = /^\/([a-z]+\.(?:js|css|svg))$/.exec(path);
    if (assetMatch?.[1]) return method === "GET" ? asset(assetMatch[1]) : notAllowed("GET");
    if (path === "/api/session" && method === "POST") return signIn(request);
    const session = await sessions.read(request);
    if (!session) return signedOut();
    // A change needs the token only the console's script could have read; SameSite=Strict already keeps other
    // sites' requests from carrying the cookie.
    const changes = method !== "GET" && method !== "HEAD";
    if (changes && !sameText(request.headers.get("x-csrf-token") ?? "", session.csrf)) {
      return refuse(403, "csrf", "Missing or wrong CSRF token: reload the console.");
    }
    const principal = session.principal;
    if (path === "/api/session") {
      if (method === "GET")
        return json(200, { csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() });
      if (method === "DELETE") {
        return new Response(null, {
          status: 204,
          headers: { ...PAGE_HEADERS, "set-cookie": sessions.end(request, cookiePath) },
        });
      }
      return notAllowed("GET, POST, DELETE");
    }
    if (path === "/api/requests")
      return method === "GET" ? list(new URL(request.url), principal) : notAllowed("GET");
    const machineMatch = /^\/api\/machines\/([a-z-]+)$/.exec(path);
    if (machineMatch?.[1]) return method === "GET" ? machine(machineMatch[1]) : notAllowed("GET");
    const requestMatch = /^\/api\/requests\/([0-9a-f-]{36})(\/cancel)?$/.exec(path);
    if (requestMatch?.[1]) {
      if (requestMatch[2])
        return method === "POST" ? deps.cancel(requestMatch[1], principal) : notAllowed("POST");
      return method === "GET" ? detail(requestMatch[1], principal) : notAllowed("GET");
    }
    return notFound();
  };
}

/** Equal strings, compared in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  let differ = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) differ |= (a.charCodeAt(i) || 0) ^ b.charCodeAt(i);
  return differ === 0;
}

function notAllowed(allow: string): Response {
  return refuse(405, "method_not_allowed", `Use ${allow}`, { allow });
}

/** Whether an answer to this path is the console's. */
export function consolePath(pathname: string, basePath: string): string | undefined {
  const prefix = `${basePath}/console`;
  if (pathname === prefix) return "";
  return pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : undefined;
}
