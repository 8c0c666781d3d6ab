import { randomUUID } from "node:crypto";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  type Implementation,
  InitializeRequestSchema,
  LATEST_PROTOCOL_VERSION,
  ListToolsRequestSchema,
  type ServerNotification,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { callToolResultOf } from "../functions/core/call-result.ts";
import type { StatusView } from "../functions/core/record.ts";
import { rpcError } from "../functions/core/rpc-error.ts";
import { isTerminal } from "../functions/core/status.ts";
import type { BridgeConfig } from "./config.ts";
import { ATTEMPT_TIMEOUT_MS, type RemoteEndpoint, RemoteFailed, RemoteRpcError } from "./remote.ts";
import { BRIDGE_VERSION } from "./version.ts";

/** What the remote said about itself at `initialize`, mirrored to the local client. */
export interface RemoteIdentity {
  serverInfo: Implementation;
  instructions?: string;
}

export const FALLBACK_IDENTITY: RemoteIdentity = {
  serverInfo: { name: "rez-agent-mcp", version: "unknown" },
};

/** How long the local `initialize` waits for the remote's identity before answering with the fallback. */
const IDENTIFY_MS = 2_500;
const TOOLS_CACHE_MS = 60_000;
/** How long a request that is not a workflow call (tools/list, a lifecycle tool, a cancel) may keep retrying. */
const QUICK_DEADLINE_MS = 5_000;
/** How long the start of a workflow call may keep retrying, within its answer deadline. */
const START_DEADLINE_MS = 10_000;
/** Background checks for a server that is not up yet: doubling from the first to the last, then every last. */
const WATCH_DELAYS_MS = { first: 1_000, last: 15_000 };

type Notify = (notification: ServerNotification) => Promise<void>;
type Log = (line: string) => void;

/**
 * The MCP server Claude Desktop talks to over stdio. It mirrors the remote (its identity and tools) and turns each
 * durable, possibly slow tools/call into an answer before the client gives up: the result, or a non-error "still
 * running" handle the model can follow with get_request_status.
 *
 * It answers even when the remote cannot: `initialize` waits at most IDENTIFY_MS for the remote's identity, and a
 * server that is not up yet lists no tools while the bridge keeps checking in the background; once the tools are
 * reachable it sends `notifications/tools/list_changed`, so the client lists them without a restart.
 *
 * @example
 * const server = createBridgeServer(remote, config, log);
 * await server.connect(new StdioServerTransport()); // before anything remote
 */
export function createBridgeServer(remote: RemoteEndpoint, config: BridgeConfig, log: Log): Server {
  const capabilities = { tools: { listChanged: true } };
  const server = new Server(FALLBACK_IDENTITY.serverInfo, { capabilities });
  const tools = new RemoteTools(remote, log, () => {
    server.sendToolListChanged().catch(() => {});
  });

  // The SDK answers initialize from what the constructor was given; the remote's identity is only known later.
  server.setRequestHandler(InitializeRequestSchema, async (request) => {
    const identity = await identify(remote, log, tools);
    const requested = request.params.protocolVersion;
    return {
      protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION,
      capabilities,
      serverInfo: identity.serverInfo,
      ...(identity.instructions ? { instructions: identity.instructions } : {}),
    };
  });

  // Clients of both eras probe a stdio server with server/discover (2026-07-28, server/discover.mdx). The modern
  // relay (bridge-modern.ts) forwards it to the endpoint; when the endpoint cannot answer it (down, or older), this
  // era answers with the versions it speaks, and such a client initializes as before. Any other unknown method is
  // answered as the SDK would.
  server.fallbackRequestHandler = async (request) => {
    if (request.method !== "server/discover") {
      throw rpcError(ErrorCode.MethodNotFound, `Method not found: ${request.method}`);
    }
    const identity = await identify(remote, log, tools);
    return {
      resultType: "complete",
      supportedVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
      capabilities,
      ...(identity.instructions ? { instructions: identity.instructions } : {}),
      _meta: { "io.modelcontextprotocol/serverInfo": identity.serverInfo },
    } as never;
  };

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    return { tools: (await forwarding(() => tools.list(extra.signal))).map(advertised) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const deadline = Date.now() + config.answerDeadlineMs;
    const listed = await forwarding(() =>
      tools.require(extra.signal, Math.min(deadline, Date.now() + QUICK_DEADLINE_MS)).catch((error) => {
        throw error instanceof RemoteFailed
          ? new RemoteFailed(error.kind, `${error.message}. The call was not started.`, false)
          : error;
      }),
    );
    const tool = listed.find((t) => t.name === request.params.name);
    const durable =
      tool?.execution?.taskSupport === "optional" || tool?.execution?.taskSupport === "required";
    if (!durable) return forwarding(() => callDirectly(remote, request, extra.signal));
    const call = new DurableCall(
      remote,
      config.progressIntervalMs,
      log,
      extra.sendNotification,
      request,
      maxWaitOf(listed),
    );
    return forwarding(() => call.run(deadline, extra.signal));
  });

  return server;
}

/** Asks the remote who it is, briefly; with a fallback (and the background check started), so the client starts. */
async function identify(remote: RemoteEndpoint, log: Log, tools: RemoteTools): Promise<RemoteIdentity> {
  try {
    const result = await remote.rpc(
      "initialize",
      {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: "rez-agent-mcp-bridge", version: BRIDGE_VERSION },
      },
      { deadline: Date.now() + IDENTIFY_MS },
    );
    const identity: RemoteIdentity = { serverInfo: result.serverInfo as Implementation };
    if (typeof result.instructions === "string") identity.instructions = result.instructions;
    return identity;
  } catch (error) {
    if (error instanceof RemoteFailed && error.heals) {
      log(`${error.message}. The tools will appear once it answers.`);
      tools.watch();
    } else {
      log(`cannot use the endpoint: ${(error as Error).message}`);
    }
    return FALLBACK_IDENTITY;
  }
}

/** Remote failures become JSON-RPC errors with a plain message (never a stack trace). */
async function forwarding<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RemoteRpcError) throw rpcError(error.code, error.message, error.data);
    if (error instanceof RemoteFailed)
      throw rpcError(ErrorCode.InternalError, `rez-agent-mcp: ${error.message}`);
    throw error;
  }
}

/**
 * tools/list from the remote, kept for a minute. While the remote is down the last list stands (none at first), a
 * background check runs, and `onAvailable` fires when the tools can be listed again.
 */
export class RemoteTools {
  readonly #remote: RemoteEndpoint;
  readonly #log: Log;
  readonly #onAvailable: () => void;
  #tools: Tool[] | undefined;
  #fetchedAt = 0;
  #watching = false;

  constructor(remote: RemoteEndpoint, log: Log, onAvailable: () => void) {
    this.#remote = remote;
    this.#log = log;
    this.#onAvailable = onAvailable;
  }

  /** The tools to advertise: a remote that is down (but may come up) lists what it last listed. */
  async list(signal: AbortSignal): Promise<Tool[]> {
    try {
      return await this.require(signal);
    } catch (error) {
      if (!(error instanceof RemoteFailed) || !error.heals) throw error;
      this.#log(`listing ${this.#tools ? "the last known" : "no"} tools for now: ${error.message}`);
      this.watch();
      return this.#tools ?? [];
    }
  }

  /** The tools as the remote lists them now (or within the cache's minute); throws when it cannot be reached. */
  async require(signal?: AbortSignal, deadline = Date.now() + QUICK_DEADLINE_MS): Promise<Tool[]> {
    if (this.#tools && Date.now() - this.#fetchedAt < TOOLS_CACHE_MS) return this.#tools;
    const result = await this.#remote.rpc("tools/list", undefined, {
      deadline,
      ...(signal ? { signal } : {}),
    });
    if (!Array.isArray(result.tools) || !result.tools.every(isToolShaped)) {
      throw new RemoteFailed(
        "endpoint",
        `${this.#remote.endpoint} answered tools/list without a list of tools: is it a rez-agent-mcp endpoint?`,
        true,
      );
    }
    this.#tools = result.tools as Tool[];
    this.#fetchedAt = Date.now();
    return this.#tools;
  }

  /** Checks in the background, backing off, until the remote lists its tools; then tells the client. */
  watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    const check = async (delay: number) => {
      try {
        this.#fetchedAt = 0;
        const tools = await this.require();
        this.#watching = false;
        this.#log(`the server is up: ${tools.length} tools`);
        this.#onAvailable();
      } catch (error) {
        if (error instanceof RemoteFailed && !error.heals) {
          this.#watching = false;
          this.#log(`stopped waiting for the server: ${error.message}`);
          return;
        }
        setTimeout(() => void check(Math.min(delay * 2, WATCH_DELAYS_MS.last)), delay).unref();
      }
    };
    setTimeout(() => void check(WATCH_DELAYS_MS.first * 2), WATCH_DELAYS_MS.first).unref();
  }
}

/** The longest wait the server's status route allows: get_request_status's own `wait.maximum`. */
export function maxWaitOf(tools: Tool[]): number | undefined {
  const schema = tools.find((t) => t.name === "get_request_status")?.inputSchema as
    | { properties?: { wait?: { maximum?: unknown } } }
    | undefined;
  const maximum = schema?.properties?.wait?.maximum;
  return typeof maximum === "number" && maximum > 0 ? maximum : undefined;
}

/** Advertised tools keep their schemas; `execution` is the bridge's business, not the client's. */
export function advertised(tool: Tool): Tool {
  const { execution: _execution, ...rest } = tool;
  return rest;
}

/**
 * A tool the server answers itself (get_request_status, list_requests, cancel_request): one request, forwarded as
 * it is. One that long-polls (`wait`) is given that long on top of the usual bounds.
 */
async function callDirectly(remote: RemoteEndpoint, request: CallToolRequest, signal: AbortSignal) {
  const { name, arguments: args } = request.params;
  const waitMs = typeof args?.wait === "number" && args.wait > 0 ? args.wait * 1000 : 0;
  return (await remote.rpc(
    "tools/call",
    { name, arguments: args ?? {} },
    {
      deadline: Date.now() + waitMs + QUICK_DEADLINE_MS,
      attemptMs: waitMs + ATTEMPT_TIMEOUT_MS,
      signal,
      idempotencyKey: randomUUID(),
    },
  )) as CallToolResult;
}

/**
 * One tools/call of a workflow tool: started as an MCP task (so its request id is known at once and a cancel can
 * reach it), then followed on the status route with long polls until it finishes or the answer deadline comes.
 */
class DurableCall {
  readonly #remote: RemoteEndpoint;
  readonly #progressIntervalMs: number;
  readonly #log: Log;
  readonly #notify: Notify;
  readonly #request: CallToolRequest;
  /** One key per logical call: every retry of the start sends it again, so at most one execution starts. */
  readonly #idempotencyKey = randomUUID();
  /** The server's long-poll limit, learnt from its tools. */
  readonly #maxWaitSeconds: number | undefined;

  constructor(
    remote: RemoteEndpoint,
    progressIntervalMs: number,
    log: Log,
    notify: Notify,
    request: CallToolRequest,
    maxWaitSeconds: number | undefined,
  ) {
    this.#maxWaitSeconds = maxWaitSeconds;
    this.#remote = remote;
    this.#progressIntervalMs = progressIntervalMs;
    this.#log = log;
    this.#notify = notify;
    this.#request = request;
  }

  async run(deadline: number, signal: AbortSignal): Promise<CallToolResult> {
    const started = Date.now();
    const stopProgress = this.#progress(started);
    let id: string | undefined;
    const cancel = () => {
      if (id) void this.#cancel(id);
    };
    signal.addEventListener("abort", cancel, { once: true });
    try {
      // The start is not abandoned on a cancel: its request id is what the cancel needs.
      id = await this.#start(Math.min(deadline, started + START_DEADLINE_MS));
      if (signal.aborted) cancel();
      return await this.#follow(id, deadline, signal);
    } catch (error) {
      if (!id || signal.aborted) throw error;
      // The request id is known, so the call lives on whatever happened to following it: answer with the handle.
      const problem = error instanceof Error ? error.message : String(error);
      this.#log(`answering ${id} as still running: ${problem}`);
      return this.#stillRunning(id, `The bridge could not follow it (${problem}).`);
    } finally {
      stopProgress();
      signal.removeEventListener("abort", cancel);
    }
  }

  /** Long polls on the status route until the call finishes (or records its plan) or the answer deadline comes. */
  async #follow(id: string, deadline: number, signal: AbortSignal): Promise<CallToolResult> {
    for (;;) {
      const left = (deadline - Date.now()) / 1000;
      if (left < 0.1) return this.#stillRunning(id, "");
      // Without the server's limit, one short poll at a time is always accepted.
      const wait = Math.min(this.#maxWaitSeconds ?? 1, left);
      const view: StatusView = await this.#remote.status(id, wait, { deadline: deadline + 1_000, signal });
      // A scheduled call answers with its plan as soon as it is recorded, as the server does over HTTP.
      if (isTerminal(view.status) || view.plannedAt) return callToolResultOf(view, this.#remote.endpoint);
    }
  }

  #stillRunning(id: string, statusMessage: string): CallToolResult {
    return callToolResultOf(
      { id, tool: this.#request.params.name, status: "working", statusMessage },
      this.#remote.endpoint,
    );
  }

  async #start(deadline: number): Promise<string> {
    const { name, arguments: args } = this.#request.params;
    let created: Record<string, unknown>;
    try {
      created = await this.#remote.rpc(
        "tools/call",
        { name, arguments: args ?? {}, task: {} },
        { deadline, idempotencyKey: this.#idempotencyKey },
      );
    } catch (error) {
      if (!(error instanceof RemoteFailed)) throw error;
      const outcome = error.delivered
        ? "It may have started: list_requests shows it once the server answers."
        : "It was not started.";
      throw new RemoteFailed(error.kind, `${error.message}. ${outcome}`, error.delivered);
    }
    const task = created.task as { taskId?: unknown } | undefined;
    if (typeof task?.taskId !== "string") {
      throw new RemoteFailed(
        "endpoint",
        "the endpoint did not start the call as a task: is it a rez-agent-mcp server?",
        true,
      );
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
    }, this.#progressIntervalMs);
    return () => clearInterval(timer);
  }
}

/** A listed tool as the bridge passes it on: an object with a name and an input schema. */
function isToolShaped(tool: unknown): boolean {
  const candidate = tool as { name?: unknown; inputSchema?: unknown } | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.name === "string" &&
    typeof candidate.inputSchema === "object" &&
    candidate.inputSchema !== null
  );
}
