import type { StatusView } from "../functions/core/record.ts";
import type { BridgeConfig } from "./config.ts";

/** The remote answered with a JSON-RPC error: passed on to the client as it is. */
export class RemoteRpcError extends Error {
  override readonly name = "RemoteRpcError";
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** The remote cannot be used as configured (bad key, wrong URL, ...) or could not be reached in time. */
export class RemoteFailed extends Error {
  override readonly name = "RemoteFailed";
}

export interface RemoteOptions {
  fetch: typeof fetch;
  log: (line: string) => void;
  /** First backoff step; doubled each retry, with full jitter, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

interface Attempt {
  /** Absolute time (ms) after which no retry is started. */
  deadline: number;
  signal?: AbortSignal;
}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

/** The counts a benchmark reads: every HTTP request the bridge sends. */
export interface RemoteStats {
  requests: number;
}

/**
 * The bridge's HTTP side: JSON-RPC over `POST <endpoint>` and the status routes, with the API key on every request.
 * Network failures, 429 and 5xx are retried with exponential backoff and full jitter until a deadline, sending the
 * same request (and so the same Idempotency-Key) again; other 4xx fail at once with a sentence naming the cause.
 */
export class RemoteEndpoint {
  readonly stats: RemoteStats = { requests: 0 };
  readonly #config: BridgeConfig;
  readonly #options: RemoteOptions;
  #id = 0;

  constructor(config: BridgeConfig, options: RemoteOptions) {
    this.#config = config;
    this.#options = options;
  }

  get endpoint(): string {
    return this.#config.endpoint.href;
  }

  /** One JSON-RPC request; resolves with its `result`, rejects with RemoteRpcError or RemoteFailed. */
  async rpc(
    method: string,
    params: Record<string, unknown> | undefined,
    attempt: Attempt & { idempotencyKey?: string },
  ): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    if (attempt.idempotencyKey) headers["idempotency-key"] = attempt.idempotencyKey;
    const body = JSON.stringify({ jsonrpc: "2.0", id: ++this.#id, method, ...(params ? { params } : {}) });
    const answer = (await this.#send(
      this.#config.endpoint.href,
      { method: "POST", headers, body },
      attempt,
    )) as {
      result?: Record<string, unknown>;
      error?: { code: number; message: string; data?: unknown };
    };
    if (answer.error) throw new RemoteRpcError(answer.error.code, answer.error.message, answer.error.data);
    if (!answer.result) throw new RemoteFailed(`the endpoint answered ${method} without a result`);
    return answer.result;
  }

  /** The status document of a call, waiting up to `waitSeconds` for it to finish (long poll). */
  async status(id: string, waitSeconds: number, attempt: Attempt): Promise<StatusView> {
    const wait = Math.floor(waitSeconds * 10) / 10;
    const url = `${this.#statusUrl(id)}${wait > 0 ? `?wait=${wait}` : ""}`;
    return (await this.#send(url, { method: "GET" }, attempt)) as StatusView;
  }

  /** Asks the server to stop a call. A call that already finished answers 409, which is fine. */
  async cancel(id: string, attempt: Attempt): Promise<void> {
    await this.#send(`${this.#statusUrl(id)}/cancel`, { method: "POST" }, attempt, [409]);
  }

  #statusUrl(id: string): string {
    return `${this.#config.endpoint.href.replace(/\/+$/, "")}/status/${encodeURIComponent(id)}`;
  }

  async #send(url: string, init: RequestInit, attempt: Attempt, accept: number[] = []): Promise<unknown> {
    const base = this.#options.baseDelayMs ?? 200;
    const cap = this.#options.maxDelayMs ?? 2_000;
    for (let tries = 0; ; tries++) {
      let problem: string;
      try {
        this.stats.requests += 1;
        const response = await this.#options.fetch(url, {
          ...init,
          headers: { ...init.headers, "x-api-key": this.#config.apiKey },
          ...(attempt.signal ? { signal: attempt.signal } : {}),
        });
        const text = await response.text();
        if (response.ok || accept.includes(response.status)) return text ? JSON.parse(text) : {};
        if (!RETRYABLE(response.status)) {
          // A JSON-RPC error comes with a 4xx from some servers: it is an answer, not a transport failure.
          const rpc = jsonRpcError(text);
          if (rpc) return rpc;
          throw new RemoteFailed(this.#refusal(response.status, text));
        }
        problem = `HTTP ${response.status}`;
      } catch (error) {
        if (error instanceof RemoteFailed || attempt.signal?.aborted) throw error;
        if (error instanceof SyntaxError)
          throw new RemoteFailed("the endpoint answered with something other than JSON");
        problem = describeNetworkError(error);
      }
      const delay = Math.random() * Math.min(cap, base * 2 ** tries);
      if (Date.now() + delay >= attempt.deadline) {
        throw new RemoteFailed(
          `the rez-agent-mcp endpoint ${this.#config.endpoint.origin} could not be reached (${problem}). Is the server running?`,
        );
      }
      this.#options.log(`${problem} from the endpoint; retrying in ${Math.round(delay)} ms`);
      await sleep(delay, attempt.signal);
    }
  }

  #refusal(status: number, text: string): string {
    const said = reasonIn(text);
    switch (status) {
      case 401:
        return `the endpoint refused the API key (HTTP 401). Check "apiKey" in ${this.#config.source} or REZ_AGENT_MCP_API_KEY.`;
      case 403:
        return `the endpoint refused the request (HTTP 403${said}). Check the endpoint URL: ${this.#config.endpoint.href}`;
      case 404:
        return `there is no rez-agent-mcp endpoint at ${this.#config.endpoint.href} (HTTP 404). It ends in /mcp, e.g. http://127.0.0.1:3000/mcp.`;
      default:
        return `the endpoint refused the request (HTTP ${status}${said})`;
    }
  }
}

function jsonRpcError(text: string): { error: { code: number; message: string } } | undefined {
  try {
    const body = JSON.parse(text) as { jsonrpc?: unknown; error?: { code?: unknown; message?: unknown } };
    if (
      body.jsonrpc === "2.0" &&
      typeof body.error?.code === "number" &&
      typeof body.error.message === "string"
    ) {
      return body as { error: { code: number; message: string } };
    }
  } catch {
    // not JSON-RPC
  }
  return undefined;
}

function reasonIn(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const reason = typeof body.error === "string" ? body.error : (body.error?.message ?? body.message);
    return typeof reason === "string" && reason ? `: ${reason.slice(0, 200)}` : "";
  } catch {
    return "";
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string" && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
