import { randomUUID } from "node:crypto";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { isJsonObject, type JsonObject } from "../functions/core/json.ts";
import { type MirroredParam, mirroredHeaders, mirroredParams } from "../functions/core/mcp-headers.ts";
import type { BridgeConfig } from "./config.ts";
import { type RemoteEndpoint, RemoteFailed } from "./remote.ts";

/**
 * The bridge's 2026-07-28 side: a request that carries its version in `_meta` (or is server/discover) is forwarded
 * to the endpoint as it is, with the headers the revision mirrors from the body, and its answer comes back as it is.
 * So a stdio client of that era gets everything the endpoint serves: tasks natively (the task answer, tasks/get,
 * tasks/cancel), confirmations before booking (input_required and its retry), resources, prompts, completions. The
 * initialize era stays the SDK server's (bridge-server.ts), which turns slow calls into answers a client without
 * tasks can follow.
 */

const VERSION_KEY = "io.modelcontextprotocol/protocolVersion";
/** How long a request that does not run a tool may take, retries included. */
const QUICK_DEADLINE_MS = 10_000;
/** How long discovery waits for the endpoint before the initialize era answers it (as the bridge's initialize does). */
const DISCOVER_DEADLINE_MS = 2_500;
/** How long the endpoint's tools (for their mirrored parameters) are kept. */
const TOOLS_CACHE_MS = 60_000;

type Request = { jsonrpc: "2.0"; id: string | number; method: string; params?: JsonObject };

/** A request of the stateless era: its `_meta` names a version, or it is the era's discovery. */
export function isModernRequest(message: JSONRPCMessage): message is Request {
  if (!("method" in message) || !("id" in message)) return false;
  if (message.method === "server/discover") return true;
  const meta = (message.params as JsonObject | undefined)?._meta;
  return isJsonObject(meta) && typeof meta[VERSION_KEY] === "string";
}

export class ModernRelay {
  readonly #remote: RemoteEndpoint;
  readonly #config: BridgeConfig;
  readonly #log: (line: string) => void;
  #params: { at: number; byTool: Map<string, MirroredParam[]> } | undefined;

  constructor(remote: RemoteEndpoint, config: BridgeConfig, log: (line: string) => void) {
    this.#remote = remote;
    this.#config = config;
    this.#log = log;
  }

  /**
   * The endpoint's answer to a modern request; undefined for a discovery the endpoint cannot answer in this era (an
   * older endpoint, or none up), which the initialize era then answers with the versions it speaks.
   */
  async answer(request: Request): Promise<JSONRPCMessage | undefined> {
    const meta = isJsonObject(request.params?._meta) ? request.params._meta : {};
    const version = typeof meta[VERSION_KEY] === "string" ? meta[VERSION_KEY] : "2026-07-28";
    const runsTool = request.method === "tools/call";
    const discovering = request.method === "server/discover";
    const budget = runsTool
      ? this.#config.answerDeadlineMs
      : discovering
        ? DISCOVER_DEADLINE_MS
        : QUICK_DEADLINE_MS;
    const deadline = Date.now() + budget;
    try {
      const params = runsTool ? await this.#mirrored(String(request.params?.name), meta) : [];
      const answer = await this.#remote.forward(
        { method: request.method, ...(request.params ? { params: request.params } : {}) },
        mirroredHeaders(request, version, params),
        // A retried call is the same call: its key makes the endpoint answer the first one.
        { deadline, ...(runsTool ? { idempotencyKey: randomUUID() } : {}) },
      );
      if (discovering && answer.error) return undefined;
      return answer.error
        ? { jsonrpc: "2.0", id: request.id, error: answer.error }
        : { jsonrpc: "2.0", id: request.id, result: answer.result as JsonObject };
    } catch (error) {
      if (!(error instanceof RemoteFailed)) throw error;
      if (discovering) return undefined;
      this.#log(`${request.method}: ${error.message}`);
      return {
        jsonrpc: "2.0",
        id: request.id,
        error: { code: ErrorCode.InternalError, message: `rez-agent-mcp: ${error.message}` },
      };
    }
  }

  /** The parameters a tool mirrors into headers, from the endpoint's own tools/list (kept a minute). */
  async #mirrored(tool: string, meta: JsonObject): Promise<MirroredParam[]> {
    if (!this.#params || Date.now() - this.#params.at > TOOLS_CACHE_MS || !this.#params.byTool.has(tool)) {
      const listed = await this.#remote.forward(
        { method: "tools/list", params: { _meta: meta } },
        mirroredHeaders({ method: "tools/list" }, String(meta[VERSION_KEY])),
        { deadline: Date.now() + QUICK_DEADLINE_MS },
      );
      const tools = (listed.result?.tools ?? []) as { name: string; inputSchema: object }[];
      this.#params = { at: Date.now(), byTool: new Map(tools.map((t) => [t.name, mirroredParams(t)])) };
    }
    return this.#params.byTool.get(tool) ?? [];
  }
}

/**
 * The stdio transport with the eras split: modern requests go to the relay and its answers straight back out;
 * everything else (and a discovery the relay leaves) reaches the SDK server connected to this transport.
 */
export class EraSplitTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: Transport["onclose"];
  onerror?: Transport["onerror"];
  readonly #inner: Transport;
  readonly #relay: ModernRelay;

  constructor(inner: Transport, relay: ModernRelay) {
    this.#inner = inner;
    this.#relay = relay;
  }

  start(): Promise<void> {
    this.#inner.onmessage = (message, extra) => {
      if (!isModernRequest(message)) {
        this.onmessage?.(message, extra);
        return;
      }
      this.#relay
        .answer(message)
        .then((answer) => (answer ? this.#inner.send(answer) : this.onmessage?.(message, extra)))
        .catch((error: unknown) => this.onerror?.(error as Error));
    };
    this.#inner.onclose = () => this.onclose?.();
    this.#inner.onerror = (error) => this.onerror?.(error);
    return this.#inner.start();
  }

  send(message: JSONRPCMessage, options?: Parameters<Transport["send"]>[1]): Promise<void> {
    return this.#inner.send(message, options);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
