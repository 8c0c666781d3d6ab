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

/**
 * Why the remote could not be used, each named as what it is so the person knows what to fix:
 * - `key`: the endpoint refused the API key;
 * - `endpoint`: the URL is not a rez-agent-mcp endpoint (unknown host, wrong path, not JSON);
 * - `down`: nothing answers there (connection refused or reset, server errors): start the server;
 * - `silent`: something accepted the connection but never answered in time.
 * `down` and `silent` can heal on their own; `key` and `endpoint` need the settings changed.
 */
export type FailureKind = "key" | "endpoint" | "down" | "silent";

/** The remote cannot be used as configured, or could not be reached in time. */
export class RemoteFailed extends Error {
  override readonly name = "RemoteFailed";
  readonly kind: FailureKind;
  /** Whether a request may have reached the server (false: nothing was delivered, so nothing was started). */
  readonly delivered: boolean;

  constructor(kind: FailureKind, message: string, delivered: boolean) {
    super(message);
    this.kind = kind;
    this.delivered = delivered;
  }

  get heals(): boolean {
    return this.kind === "down" || this.kind === "silent";
  }
}

export interface RemoteOptions {
  fetch: typeof fetch;
  log: (line: string) => void;
  /** First backoff step; doubled each retry, with full jitter, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** The bounds of one logical request and all its retries. */
export interface Attempt {
  /** Absolute time (ms) after which nothing more is waited for: no retry starts and a running one is aborted. */
  deadline: number;
  /** The longest a single HTTP attempt may take (default ATTEMPT_TIMEOUT_MS), always within the deadline. */
  attemptMs?: number;
  signal?: AbortSignal;
}

/** How long one plain request may go unanswered: a cold Lambda front answers well within this. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

const RETRYABLE = (status: number) => status === 429 || status >= 500;

/** The largest answer read: a tools/list or a result is a few kilobytes; past this it is not our server talking. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** The counts a benchmark reads: every HTTP request the bridge sends. */
export interface RemoteStats {
  requests: number;
}

/**
 * The bridge's HTTP side: JSON-RPC over `POST <endpoint>` and the status routes, with the API key on every request.
 * Every attempt has its own timeout inside the request's deadline, so nothing waits on a silent endpoint. Network
 * failures, timeouts, 429 and 5xx are retried with exponential backoff and full jitter until the deadline, sending
 * the same request (and so the same Idempotency-Key) again; other 4xx fail at once with a sentence naming the cause.
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
    const answer = await this.forward({ method, ...(params ? { params } : {}) }, {}, attempt);
    if (answer.error) throw new RemoteRpcError(answer.error.code, answer.error.message, answer.error.data);
    return answer.result as Record<string, unknown>;
  }

  /**
   * One request as it is (a 2026-07-28 one, with the headers it mirrors): resolves with the JSON-RPC response's
   * `result` or `error`, rejects with RemoteFailed when there is none.
   */
  async forward(
    message: { method: string; params?: Record<string, unknown> },
    mirrored: Record<string, string>,
    attempt: Attempt & { idempotencyKey?: string },
  ): Promise<{
    result?: Record<string, unknown>;
    error?: { code: number; message: string; data?: unknown };
  }> {
    const headers: Record<string, string> = {
      ...mirrored,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    if (attempt.idempotencyKey) headers["idempotency-key"] = attempt.idempotencyKey;
    const body = JSON.stringify({ jsonrpc: "2.0", id: ++this.#id, ...message });
    const answer = (await this.#send(
      this.#config.endpoint.href,
      { method: "POST", headers, body },
      attempt,
    )) as {
      result?: Record<string, unknown>;
      error?: { code: number; message: string; data?: unknown };
    };
    if (!answer.result && !answer.error) {
      throw new RemoteFailed(
        "endpoint",
        `${this.#config.endpoint.href} answered ${message.method} without a result: is it a rez-agent-mcp endpoint?`,
        true,
      );
    }
    return answer;
  }

  /** The status document of a call, waiting up to `waitSeconds` for it to finish (long poll). */
  async status(id: string, waitSeconds: number, attempt: Attempt): Promise<StatusView> {
    const wait = Math.max(0, Math.floor(waitSeconds * 10) / 10);
    const url = `${this.#statusUrl(id)}${wait > 0 ? `?wait=${wait}` : ""}`;
    // A long poll is silent by design for `wait` seconds: only the time after that counts as no answer.
    const attemptMs = wait * 1000 + (attempt.attemptMs ?? ATTEMPT_TIMEOUT_MS);
    return (await this.#send(url, { method: "GET" }, { ...attempt, attemptMs })) as StatusView;
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
    let delivered = false;
    for (let tries = 0; ; tries++) {
      const attemptMs = Math.min(attempt.attemptMs ?? ATTEMPT_TIMEOUT_MS, attempt.deadline - Date.now());
      let failure: RemoteFailed;
      const timeout = AbortSignal.timeout(Math.max(1, attemptMs));
      try {
        this.stats.requests += 1;
        const response = await this.#options.fetch(url, {
          ...init,
          headers: { ...init.headers, "x-api-key": this.#config.apiKey },
          // Never followed: a redirect would carry the key (and a POST's body) to wherever it points.
          redirect: "manual",
          signal: attempt.signal ? AbortSignal.any([attempt.signal, timeout]) : timeout,
        });
        delivered = true;
        if (response.status >= 300 && response.status < 400) throw this.#redirected(response);
        const text = await boundedText(response, this.#config.endpoint);
        if (response.ok || accept.includes(response.status)) return parseJson(text, this.#config.endpoint);
        if (!RETRYABLE(response.status)) {
          // A JSON-RPC error comes with a 4xx from some servers: it is an answer, not a transport failure.
          const rpc = jsonRpcError(text);
          if (rpc) return rpc;
          throw this.#refusal(response.status, text);
        }
        failure = new RemoteFailed(
          "down",
          `the server at ${this.#config.endpoint.origin} is failing (HTTP ${response.status})`,
          true,
        );
      } catch (error) {
        if (error instanceof RemoteFailed) throw error;
        if (attempt.signal?.aborted) throw attempt.signal.reason ?? error;
        if (timeout.aborted) {
          delivered = true;
          failure = new RemoteFailed(
            "silent",
            `${this.#config.endpoint.origin} accepted the connection but did not answer within ${seconds(attemptMs)}`,
            true,
          );
        } else {
          failure = this.#networkFailure(error, delivered);
        }
      }
      if (failure.kind === "endpoint") throw failure;
      const delay = Math.random() * Math.min(cap, base * 2 ** tries);
      if (Date.now() + delay >= attempt.deadline - 50) {
        throw new RemoteFailed(failure.kind, failure.message, delivered);
      }
      this.#options.log(`${failure.message}; retrying in ${Math.round(delay)} ms`);
      await sleep(delay, attempt.signal);
    }
  }

  #networkFailure(error: unknown, delivered: boolean): RemoteFailed {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const code = typeof cause?.code === "string" ? cause.code : undefined;
    const { origin, hostname } = this.#config.endpoint;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
      return new RemoteFailed(
        "endpoint",
        `the endpoint's host ${hostname} is not known (${code}): check the endpoint in ${this.#config.source}`,
        false,
      );
    }
    if (code?.startsWith("ERR_TLS") || code?.includes("CERT")) {
      return new RemoteFailed(
        "endpoint",
        `${origin} failed the TLS check (${code}): check the endpoint in ${this.#config.source}`,
        false,
      );
    }
    const problem =
      code === "ECONNREFUSED"
        ? "connection refused"
        : (code ?? (typeof cause?.message === "string" ? cause.message : (error as Error).message));
    // A refused connection delivered nothing; a reset one may have delivered the request.
    return new RemoteFailed(
      "down",
      `nothing answers at ${origin} (${problem}): is the rez-agent-mcp server running? (locally: npm start)`,
      delivered || code !== "ECONNREFUSED",
    );
  }

  #redirected(response: Response): RemoteFailed {
    void response.body?.cancel();
    const location = response.headers.get("location");
    const target = location ? new URL(location, this.#config.endpoint).href : "another address";
    return new RemoteFailed(
      "endpoint",
      `${this.#config.endpoint.href} redirects to ${target} (HTTP ${response.status}); the bridge does not follow it, so neither the API key nor the request went there. If that is the server, set the endpoint in ${this.#config.source} to it.`,
      true,
    );
  }

  #refusal(status: number, text: string): RemoteFailed {
    const { reason: said, code } = refusalIn(text);
    const where = this.#config.source;
    const { href } = this.#config.endpoint;
    // The server answers a missing or wrong key with 403 and the code "forbidden" (API Gateway too, with the
    // stack's gateway response; by default it says "Forbidden"), an unknown path on API Gateway with 403 "Missing
    // Authentication Token". Older servers answered 401.
    if (status === 401 || (status === 403 && (said === "Forbidden" || code === "forbidden"))) {
      return new RemoteFailed(
        "key",
        `the endpoint refused the API key (HTTP ${status}${said && said !== "Forbidden" ? `: ${said}` : ""}). Check the API key in ${where} (or REZ_AGENT_MCP_API_KEY).`,
        true,
      );
    }
    if (status === 404 || (status === 403 && said === "Missing Authentication Token")) {
      return new RemoteFailed(
        "endpoint",
        `there is no rez-agent-mcp endpoint at ${href} (HTTP ${status}). It ends in /mcp, e.g. http://127.0.0.1:3000/mcp.`,
        true,
      );
    }
    return new RemoteFailed(
      "endpoint",
      `the endpoint refused the request (HTTP ${status}${said ? `: ${said}` : ""}). Check the endpoint: ${href}`,
      true,
    );
  }
}

/** The answer's text, read only up to MAX_ANSWER_BYTES: a larger one is refused, not held in memory. */
async function boundedText(response: Response, endpoint: URL): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  const tooLarge = () => {
    return new RemoteFailed(
      "endpoint",
      `${endpoint.href} answered with more than ${MAX_ANSWER_BYTES / 1024 / 1024} MB: is it a rez-agent-mcp endpoint?`,
      true,
    );
  };
  if (declared > MAX_ANSWER_BYTES) {
    void response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      void response.body.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function parseJson(text: string, endpoint: URL): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new RemoteFailed(
      "endpoint",
      `${endpoint.href} answered with something other than JSON: is it a rez-agent-mcp endpoint (ending in /mcp)?`,
      true,
    );
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
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

/** What a refusal's JSON body says (our `{ error: { code, message } }`, API Gateway's `{ message }`), if anything. */
function refusalIn(text: string): { reason: string; code?: string } {
  try {
    const body = JSON.parse(text) as {
      error?: { message?: unknown; code?: unknown } | string;
      message?: unknown;
    };
    const reason = typeof body.error === "string" ? body.error : (body.error?.message ?? body.message);
    const code = typeof body.error === "object" ? body.error?.code : undefined;
    return {
      reason: typeof reason === "string" ? reason.slice(0, 200) : "",
      ...(typeof code === "string" ? { code } : {}),
    };
  } catch {
    return { reason: "" };
  }
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
