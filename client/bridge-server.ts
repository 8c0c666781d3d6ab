import { randomUUID } from "node:crypto";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  type Implementation,
  ListToolsRequestSchema,
  McpError,
  type ServerNotification,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { callToolResultOf } from "../functions/core/call-result.ts";
import type { StatusView } from "../functions/core/record.ts";
import { isTerminal } from "../functions/core/status.ts";
import type { BridgeConfig } from "./config.ts";
import { type RemoteEndpoint, RemoteFailed, RemoteRpcError } from "./remote.ts";

/** What the remote said about itself at `initialize`, mirrored to the local client. */
export interface RemoteIdentity {
  serverInfo: Implementation;
  instructions?: string;
}

export const FALLBACK_IDENTITY: RemoteIdentity = {
  serverInfo: { name: "rez-agent-mcp", version: "unknown" },
};

/** The longest single wait the status route allows. */
const MAX_WAIT_SECONDS = 20;
const TOOLS_CACHE_MS = 60_000;
/** How long a request that is not a tool call may keep retrying. */
const QUICK_DEADLINE_MS = 10_000;

type Notify = (notification: ServerNotification) => Promise<void>;

/** Asks the remote who it is; with a fallback, so Claude Desktop still starts when the server is down. */
export async function identify(remote: RemoteEndpoint, log: (line: string) => void): Promise<RemoteIdentity> {
  try {
    const result = await remote.rpc(
      "initialize",
      {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "rez-agent-mcp-bridge", version: "0.1.0" },
      },
      { deadline: Date.now() + 3_000 },
    );
    const identity: RemoteIdentity = { serverInfo: result.serverInfo as Implementation };
    if (typeof result.instructions === "string") identity.instructions = result.instructions;
    return identity;
  } catch (error) {
    log(`cannot reach the server yet (${(error as Error).message}); tools will answer once it is up`);
    return FALLBACK_IDENTITY;
  }
}

/**
 * The MCP server Claude Desktop talks to over stdio. It mirrors the remote (its identity and tools) and turns each
 * durable, possibly slow tools/call into an answer before the client gives up: the result, or a non-error "still
 * running" handle the model can follow with get_request_status.
 *
 * @example
 * const server = createBridgeServer(remote, config, await identify(remote, log), log);
 * await server.connect(new StdioServerTransport());
 */
export function createBridgeServer(
  remote: RemoteEndpoint,
  config: BridgeConfig,
  identity: RemoteIdentity,
  log: (line: string) => void,
): Server {
  const server = new Server(identity.serverInfo, {
    capabilities: { tools: { listChanged: false } },
    ...(identity.instructions ? { instructions: identity.instructions } : {}),
  });
  const tools = new ToolsCache(remote);

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    return { tools: (await forwarding(() => tools.list(extra.signal))).map(advertised) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const listed = await forwarding(() => tools.list(extra.signal));
    const tool = listed.find((t) => t.name === request.params.name);
    const durable =
      tool?.execution?.taskSupport === "optional" || tool?.execution?.taskSupport === "required";
    if (!durable) return forwarding(() => callDirectly(remote, request, extra.signal));
    const call = new DurableCall(remote, config, log, extra.sendNotification, request);
    return forwarding(() => call.run(extra.signal));
  });

  return server;
}

/** Remote failures become JSON-RPC errors with a plain message (never a stack trace). */
async function forwarding<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RemoteRpcError) throw new McpError(error.code, error.message, error.data);
    if (error instanceof RemoteFailed)
      throw new McpError(ErrorCode.InternalError, `rez-agent-mcp: ${error.message}`);
    throw error;
  }
}

/** tools/list from the remote, kept for a minute; the bridge runs no tasks, so task support is not advertised. */
class ToolsCache {
  readonly #remote: RemoteEndpoint;
  #tools: Tool[] | undefined;
  #fetchedAt = 0;

  constructor(remote: RemoteEndpoint) {
    this.#remote = remote;
  }

  async list(signal: AbortSignal): Promise<Tool[]> {
    if (this.#tools && Date.now() - this.#fetchedAt < TOOLS_CACHE_MS) return this.#tools;
    const result = await this.#remote.rpc("tools/list", undefined, {
      deadline: Date.now() + QUICK_DEADLINE_MS,
      signal,
    });
    this.#tools = result.tools as Tool[];
    this.#fetchedAt = Date.now();
    return this.#tools;
  }
}

/** Advertised tools keep their schemas; `execution` is the bridge's business, not the client's. */
export function advertised(tool: Tool): Tool {
  const { execution: _execution, ...rest } = tool;
  return rest;
}

/** A tool the server answers itself (get_request_status): one request, forwarded as it is. */
async function callDirectly(remote: RemoteEndpoint, request: CallToolRequest, signal: AbortSignal) {
  const { name, arguments: args } = request.params;
  return (await remote.rpc(
    "tools/call",
    { name, arguments: args ?? {} },
    { deadline: Date.now() + QUICK_DEADLINE_MS, signal, idempotencyKey: randomUUID() },
  )) as CallToolResult;
}

/**
 * One tools/call of a workflow tool: started as an MCP task (so its request id is known at once and a cancel can
 * reach it), then followed on the status route with long polls until it finishes or the answer deadline comes.
 */
class DurableCall {
  readonly #remote: RemoteEndpoint;
  readonly #config: BridgeConfig;
  readonly #log: (line: string) => void;
  readonly #notify: Notify;
  readonly #request: CallToolRequest;
  /** One key per logical call: every retry of the start sends it again, so at most one execution starts. */
  readonly #idempotencyKey = randomUUID();

  constructor(
    remote: RemoteEndpoint,
    config: BridgeConfig,
    log: (line: string) => void,
    notify: Notify,
    request: CallToolRequest,
  ) {
    this.#remote = remote;
    this.#config = config;
    this.#log = log;
    this.#notify = notify;
    this.#request = request;
  }

  async run(signal: AbortSignal): Promise<CallToolResult> {
    const started = Date.now();
    const deadline = started + this.#config.answerDeadlineMs;
    const stopProgress = this.#progress(started);
    let id: string | undefined;
    const cancel = () => {
      if (id) void this.#cancel(id);
    };
    signal.addEventListener("abort", cancel, { once: true });
    try {
      // The start is not abandoned on a cancel: its request id is what the cancel needs.
      id = await this.#start(deadline);
      if (signal.aborted) cancel();
      let view: StatusView | undefined;
      do {
        const wait = Math.min(MAX_WAIT_SECONDS, (deadline - Date.now()) / 1000);
        view = await this.#remote.status(id, wait, { deadline, signal });
      } while (!isTerminal(view.status) && deadline - Date.now() > 100);
      if (!view || !isTerminal(view.status)) {
        return callToolResultOf(
          { id, tool: this.#request.params.name, status: view?.status ?? "working", statusMessage: "" },
          this.#remote.endpoint,
        );
      }
      return callToolResultOf(view, this.#remote.endpoint);
    } catch (error) {
      // Past the deadline with a request id known: the call lives on; say so rather than fail it.
      if (id && error instanceof RemoteFailed && Date.now() >= deadline && !signal.aborted) {
        this.#log(`answering ${id} as still running: ${error.message}`);
        return callToolResultOf(
          { id, tool: this.#request.params.name, status: "working", statusMessage: "" },
          this.#remote.endpoint,
        );
      }
      throw error;
    } finally {
      stopProgress();
      signal.removeEventListener("abort", cancel);
    }
  }

  async #start(deadline: number): Promise<string> {
    const { name, arguments: args } = this.#request.params;
    const created = await this.#remote.rpc(
      "tools/call",
      { name, arguments: args ?? {}, task: {} },
      { deadline, idempotencyKey: this.#idempotencyKey },
    );
    const task = created.task as { taskId?: unknown } | undefined;
    if (typeof task?.taskId !== "string") {
      throw new RemoteFailed("the endpoint did not start the call as a task; is it a rez-agent-mcp server?");
    }
    return task.taskId;
  }

  async #cancel(id: string) {
    try {
      await this.#remote.cancel(id, { deadline: Date.now() + QUICK_DEADLINE_MS });
      this.#log(`cancelled ${id}`);
    } catch (error) {
      this.#log(`could not cancel ${id}: ${(error as Error).message}`);
    }
  }

  /** Progress notifications while the call runs, when the client asked for them with a progressToken. */
  #progress(started: number): () => void {
    const token = this.#request.params._meta?.progressToken;
    if (token === undefined) return () => {};
    const timer = setInterval(() => {
      // Milliseconds elapsed: strictly increasing, as progress must be.
      const elapsed = Date.now() - started;
      const message = `${this.#request.params.name} is still running (${Math.round(elapsed / 1000)} s)`;
      this.#notify({
        method: "notifications/progress",
        params: { progressToken: token, progress: elapsed, message },
      }).catch(() => {});
    }, this.#config.progressIntervalMs);
    return () => clearInterval(timer);
  }
}
