import type { CallLifecycle } from "./call-lifecycle.ts";
import { CallRecovery } from "./call-recovery.ts";
import type { Catalog } from "./catalog.ts";
import type { FrontConfig } from "./config.ts";
import { consolePath, createConsole } from "./console/console.ts";
import type { MachineName } from "./console/rows.ts";
import { preflightAnswer, withCors } from "./cors.ts";
import { type ExecutionHistories, historyOfCall } from "./execution-history.ts";
import {
  httpError,
  isJsonContentType,
  jsonResponse,
  jsonRpcError,
  jsonRpcResponseError,
  readBody,
  servedSchemes,
} from "./http.ts";
import { InputRounds } from "./input-rounds.ts";
import { isJsonObject, type JsonObject, nestsDeeperThan } from "./json.ts";
import { checkEnvelope, checkParams } from "./jsonrpc.ts";
import { KEY_MESSAGES, keyRefusalBody } from "./key-refusal.ts";
import { createMcpHandler, PROTOCOL_VERSIONS } from "./mcp-server.ts";
import { createModernHandler, eraOf } from "./modern-mcp.ts";
import { type Authenticator, type Principal, StoreUnavailable } from "./ports.ts";
import { type ToolCallDeps, ToolCalls } from "./tool-calls.ts";
import { ArgumentValidator } from "./validation.ts";

export interface FrontDeps extends Omit<ToolCallDeps, "validator"> {
  authenticator: Authenticator;
  /** Each call's execution history (GET /mcp/status/<id>/history), wherever it runs. */
  histories: ExecutionHistories;
  /** Resources, prompts and completions (catalog.ts), served in both eras. */
  catalog: Catalog;
  /** The secret that signs confirmation states (confirmation.ts) and console sessions, loaded on first use. */
  confirmationSecret: () => Promise<string>;
  /** The state machines' definitions (their ASL files), which the console draws. */
  machines: Readonly<Record<MachineName, object>>;
  /** Told of every answered request (the local server prints a line for each); given a copy of the response. */
  onAnswered?: (answered: Answered) => void;
}

/** One answered HTTP request, as the front saw it: never its body, arguments or headers. */
export interface Answered {
  method: string;
  path: string;
  /** The JSON-RPC method and tool name of a POST /mcp, once the message was read. */
  rpc: { method?: string; tool?: string };
  response: Response;
  durationMs: number;
}

export type FrontHandler = (request: Request) => Promise<Response>;

export interface Front {
  handle: FrontHandler;
  /** The MCP layer behind POST /mcp. */
  calls: ToolCalls;
  /** The calls' lifecycle behind every route, for the runtime's own use (settling what its executions report). */
  lifecycle: CallLifecycle;
  /** What is done with calls left working: start-up recovery, the periodic sweep. */
  recovery: CallRecovery;
}

type Route =
  | { kind: "mcp" }
  | { kind: "status"; id: string }
  | { kind: "cancel"; id: string }
  | { kind: "history"; id: string }
  | { kind: "unknown" };

function route(pathname: string, basePath: string): Route {
  if (!pathname.startsWith(basePath)) return { kind: "unknown" };
  const path = pathname.slice(basePath.length);
  if (path === "/mcp" || path === "/mcp/") return { kind: "mcp" };
  const match = /^\/mcp\/status\/([^/]+)(\/cancel|\/history)?\/?$/.exec(path);
  if (!match?.[1]) return { kind: "unknown" };
  let id: string;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    // A malformed escape cannot name any request: the same 404 as an unknown id.
    return { kind: "unknown" };
  }
  if (match[2] === "/cancel") return { kind: "cancel", id };
  return match[2] === "/history" ? { kind: "history", id } : { kind: "status", id };
}

const WAIT_PATTERN = /^\d+(\.\d+)?$/;

/** How deep a JSON-RPC message may nest (tool arguments included): far beyond any real one. */
const MAX_NESTING = 64;

/**
 * A missing or wrong key is 403, not 401: MCP clients (Claude Code, mcp-remote, the Inspector) answer a 401 by
 * looking for an OAuth authorization server to register with, and then report that search's failure instead of the
 * key; a 403 they report with this body. API Gateway answers a bad key with 403 too (the stack gives it this body).
 * No WWW-Authenticate and no OAuth metadata anywhere: nothing here invites a registration.
 */
function keyRefused(request: Request): Response {
  const message = request.headers.get("x-api-key") ? KEY_MESSAGES.wrong : KEY_MESSAGES.missing;
  return jsonResponse(403, keyRefusalBody(message));
}

/**
 * The whole HTTP surface as one function of a web Request: the local server and the Lambda call it unchanged.
 *
 * @example
 * const front = createFront(deps, DEFAULT_FRONT_CONFIG);
 * const response = await front.handle(new Request("http://127.0.0.1:3000/mcp", { method: "POST", body }));
 */
export function createFront(deps: FrontDeps, config: FrontConfig): Front {
  const validator = new ArgumentValidator(deps.tools.list());
  const calls = new ToolCalls({ ...deps, validator }, config);
  const served = {
    name: config.serverName,
    version: config.serverVersion,
    tools: deps.tools,
    operations: calls,
    catalog: deps.catalog,
    onUnexpectedError: deps.onUnexpectedError,
  };
  const handleMcp = createMcpHandler(served);
  const handleModern = createModernHandler({
    ...served,
    rounds: new InputRounds(deps.confirmationSecret, deps.clock),
    confirmBookings: config.confirmBookings,
  });

  async function postMcp(request: Request, principal: Principal, rpc: Answered["rpc"]): Promise<Response> {
    if (!isJsonContentType(request.headers.get("content-type"))) {
      return jsonRpcError(415, -32000, "Unsupported Media Type: Content-Type must be application/json");
    }
    const body = await readBody(request, config.maxBodyBytes);
    if (!body.ok) {
      return jsonRpcError(413, -32000, `Request body too large: the limit is ${config.maxBodyBytes} bytes`);
    }
    let message: unknown;
    try {
      message = JSON.parse(body.text);
    } catch {
      return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON");
    }
    // Deeper nesting than any MCP message needs would overflow a recursive reader later (the SDK's schemas).
    if (nestsDeeperThan(message, MAX_NESTING)) {
      return jsonRpcError(
        400,
        -32600,
        `Invalid Request: the message nests more than ${MAX_NESTING} levels deep`,
      );
    }
    const envelope = checkEnvelope(message);
    if (!envelope.ok) return jsonRpcError(400, -32600, envelope.message);
    rpc.method = (message as { method: string }).method;
    const tool = (message as { params?: { name?: unknown } }).params?.name;
    if (rpc.method === "tools/call" && typeof tool === "string") rpc.tool = tool.slice(0, 64);
    const versionHeader = request.headers.get("mcp-protocol-version");
    // One classification per request: each era has its own module (modern-mcp.ts, mcp-server.ts).
    if (eraOf(message, versionHeader) === "modern") {
      return handleModern(request, message as JsonObject, principal);
    }
    const params = checkParams(message);
    if (!params.ok)
      return jsonRpcResponseError((message as { id: string | number }).id, -32602, params.message);
    if (versionHeader && !(PROTOCOL_VERSIONS as readonly string[]).includes(versionHeader)) {
      return jsonRpcError(
        400,
        -32000,
        `Bad Request: unsupported MCP-Protocol-Version ${versionHeader} (supported: ${PROTOCOL_VERSIONS.join(", ")})`,
      );
    }
    offerSupportedVersion(message);
    // The body was consumed above; the transport gets it parsed, with the original headers.
    const forwarded = new Request(request.url, {
      method: "POST",
      headers: request.headers,
      signal: request.signal,
    });
    return handleMcp({ request: forwarded, parsedBody: message, principal });
  }

  async function getStatus(request: Request, id: string, principal: Principal): Promise<Response> {
    const wait = new URL(request.url).searchParams.get("wait");
    let waitMs = 0;
    if (wait !== null) {
      const seconds = Number(wait);
      if (!WAIT_PATTERN.test(wait) || seconds > config.maxWaitSeconds) {
        return httpError(
          400,
          "bad_request",
          `wait must be a number of seconds from 0 to ${config.maxWaitSeconds}`,
        );
      }
      waitMs = seconds * 1000;
    }
    const view = await calls.lifecycle.status(id, principal, waitMs, request.signal);
    return view ? jsonResponse(200, view) : notFound();
  }

  /** A call's path through its state machine, as GetExecutionHistory reports it (execution-history.ts). */
  async function history(id: string, principal: Principal): Promise<Response> {
    const record = await calls.lifecycle.owned(id, principal, 0);
    if (!record) return notFound();
    return jsonResponse(200, {
      id,
      execution: record.executionId,
      ...(await historyOfCall(deps.histories, record)),
    });
  }

  async function cancel(id: string, principal: Principal): Promise<Response> {
    const outcome = await calls.lifecycle.cancel(id, principal);
    if (!outcome) return notFound();
    if (outcome.outcome === "cancelled") return jsonResponse(200, outcome.view);
    // Accepted but not done: the side effect had started; the record says so and will hold the real outcome.
    if (outcome.outcome === "too-late") return jsonResponse(202, outcome.view);
    return jsonResponse(409, {
      error: {
        code: "already_finished",
        message: `The call already ended as ${outcome.view.status}; its status does not change.`,
      },
      status: outcome.view,
    });
  }

  const consoleHandler = createConsole(
    {
      ...deps,
      lifecycle: calls.lifecycle,
      secret: deps.confirmationSecret,
      now: () => deps.clock.now(),
      cancel,
    },
    config.basePath,
  );

  async function handle(request: Request, rpc: Answered["rpc"]): Promise<Response> {
    const url = new URL(request.url);
    const inConsole = consolePath(url.pathname, config.basePath);
    const target = route(url.pathname, config.basePath);
    if (target.kind === "unknown" && inConsole === undefined) return notFound();
    const host = request.headers.get("host") ?? url.host;
    if (config.allowedHosts && !config.allowedHosts.includes(host)) {
      return httpError(403, "forbidden", "Host not allowed");
    }
    const origin = request.headers.get("origin");
    if (inConsole !== undefined) {
      // The console is a same-origin page: its own origin may call it, no other (behind a TLS proxy, its https one).
      const own = servedSchemes(request).map((scheme) => `${scheme}://${host}`);
      if (origin !== null && !own.includes(origin)) {
        return httpError(403, "forbidden", "Origin not allowed");
      }
      return consoleHandler(request, inConsole);
    }
    if (origin !== null && !config.allowedOrigins.includes(origin)) {
      return httpError(403, "forbidden", "Origin not allowed");
    }
    // A browser's preflight carries no key: it is answered for an allowed origin, and nothing more.
    if (request.method === "OPTIONS" && origin !== null) return preflightAnswer(origin);
    const principal = await deps.authenticator.authenticate(request);
    if (!principal) return keyRefused(request);
    switch (target.kind) {
      case "unknown":
        return notFound();
      case "mcp":
        if (request.method === "POST") return postMcp(request, principal, rpc);
        return httpError(
          405,
          "method_not_allowed",
          "This endpoint accepts POST only (stateless, no SSE stream)",
          {
            allow: "POST",
          },
        );
      case "status":
        if (request.method === "GET") return getStatus(request, target.id, principal);
        return httpError(405, "method_not_allowed", "Use GET", { allow: "GET" });
      case "cancel":
        if (request.method === "POST") return cancel(target.id, principal);
        return httpError(405, "method_not_allowed", "Use POST", { allow: "POST" });
      case "history":
        if (request.method === "GET") return history(target.id, principal);
        return httpError(405, "method_not_allowed", "Use GET", { allow: "GET" });
    }
  }

  return {
    calls,
    lifecycle: calls.lifecycle,
    recovery: new CallRecovery(deps, calls.lifecycle),
    handle: async (request) => {
      if (!deps.onAnswered) return answer(request, {});
      const started = performance.now();
      const rpc: Answered["rpc"] = {};
      const response = await answer(request, rpc);
      deps.onAnswered({
        method: request.method,
        path: new URL(request.url).pathname,
        rpc,
        response: response.clone(),
        durationMs: performance.now() - started,
      });
      return response;
    },
  };

  async function answer(request: Request, rpc: Answered["rpc"]): Promise<Response> {
    const origin = request.headers.get("origin");
    const allowed = origin !== null && config.allowedOrigins.includes(origin) ? origin : null;
    return withCors(await answerFor(request, rpc), allowed);
  }

  async function answerFor(request: Request, rpc: Answered["rpc"]): Promise<Response> {
    try {
      return await handle(request, rpc);
    } catch (error) {
      // A client that hung up (mid-body, or while waiting) is no server error: nobody is left to answer.
      if (request.signal.aborted) return httpError(499, "client_closed", "The client closed the request");
      if (error instanceof StoreUnavailable) {
        return httpError(503, "store_unavailable", error.clientMessage, { "retry-after": "1" });
      }
      deps.onUnexpectedError(error);
      return httpError(
        500,
        "internal_error",
        "Internal error. The operator can find the details in the logs.",
      );
    }
  }
}

function notFound(): Response {
  return httpError(404, "not_found", "Not found");
}

/**
 * The SDK would accept older protocol versions; we speak the three newest, so an initialize asking for another
 * is answered with the newest, as the spec's negotiation asks.
 */
function offerSupportedVersion(message: unknown): void {
  if (!isJsonObject(message) || message.method !== "initialize" || !isJsonObject(message.params)) return;
  const requested = message.params.protocolVersion;
  if (typeof requested !== "string" || !(PROTOCOL_VERSIONS as readonly string[]).includes(requested)) {
    message.params.protocolVersion = PROTOCOL_VERSIONS[0];
  }
}
