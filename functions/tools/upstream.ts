import { UpstreamRejected, UpstreamUnavailable } from "../core/errors.ts";
import { redactText } from "../core/redact.ts";

/** The fetch function tools use: the runtime's global fetch, injected so nothing reaches for a global. */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface UpstreamClientOptions {
  fetch: Fetch;
  userAgent: string;
  timeoutMs: number;
  /** Responses of successful GETs are reused for this long (0: no cache). */
  cacheTtlMs: number;
  /** Bound on cached responses; the oldest go first. */
  cacheEntries?: number;
  now?: () => number;
}

export interface UpstreamGet {
  /** Who answers, for messages: "The National Weather Service". */
  label: string;
  /** Short id, for the operator: "nws". */
  upstream: string;
  url: string;
  headers?: Record<string, string>;
  /** Statuses answered as data rather than thrown (e.g. 404 "outside coverage"). */
  acceptStatuses?: readonly number[];
  /**
   * Values sent that an upstream must never be quoted with (a topic that works as a password). The Authorization
   * header and the form's credential fields are always among them.
   */
  secrets?: readonly string[];
}

/** Any request: a GET, or a POST with a JSON or form body. Never cached. */
export interface UpstreamRequest extends UpstreamGet {
  method?: "GET" | "POST";
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
}

export interface UpstreamAnswer {
  status: number;
  body: unknown;
  /** The answer's Date header: the upstream's clock, to the second. */
  date?: string;
}

/**
 * A JSON-over-HTTP client for tool upstreams: timeouts, a short cache, and failures classified into
 * UpstreamUnavailable (retryable: network, timeout, 429, 5xx, malformed body) and UpstreamRejected (other 4xx).
 */
export class UpstreamClient {
  readonly #options: UpstreamClientOptions;
  readonly #cache = new Map<string, { expires: number; answer: UpstreamAnswer }>();

  constructor(options: UpstreamClientOptions) {
    this.#options = options;
  }

  async getJson(request: UpstreamGet): Promise<UpstreamAnswer> {
    const now = this.#options.now?.() ?? Date.now();
    const cached = this.#cache.get(request.url);
    if (cached && cached.expires > now) return cached.answer;
    const answer = await this.request(request);
    if (answer.status === 200 && this.#options.cacheTtlMs > 0) this.#remember(request.url, answer, now);
    return answer;
  }

  #remember(url: string, answer: UpstreamAnswer, now: number) {
    this.#cache.delete(url);
    this.#cache.set(url, { expires: now + this.#options.cacheTtlMs, answer });
    const limit = this.#options.cacheEntries ?? 500;
    for (const key of this.#cache.keys()) {
      if (this.#cache.size <= limit) break;
      this.#cache.delete(key);
    }
  }

  /** Sends one request, uncached; failures are classified as for getJson. */
  async request(request: UpstreamRequest): Promise<UpstreamAnswer> {
    const details = { upstream: request.upstream };
    const headers: Record<string, string> = {
      "user-agent": this.#options.userAgent,
      accept: "application/json",
    };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    } else if (request.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(request.form).toString();
    }
    let response: Response;
    let text: string;
    try {
      response = await this.#options.fetch(request.url, {
        method: request.method ?? (body === undefined ? "GET" : "POST"),
        headers: { ...headers, ...request.headers },
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        redirect: "error",
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      throw new UpstreamUnavailable(
        timedOut
          ? `${request.label} did not answer within ${Math.round(this.#options.timeoutMs / 1000)} seconds. Try again later.`
          : `${request.label} could not be reached. Try again later.`,
        { ...details, delivered: timedOut || !neverConnected(error) ? "unknown" : "no" },
      );
    }
    const status = response.status;
    const accepted = response.ok || request.acceptStatuses?.includes(status);
    if (!accepted) {
      const withStatus = { ...details, upstreamStatus: status };
      if (status === 429 || status >= 500) {
        throw new UpstreamUnavailable(
          `${request.label} is unavailable right now (HTTP ${status}). Try again later.`,
          withStatus,
        );
      }
      throw new UpstreamRejected(
        `${request.label} refused the request (HTTP ${status})${reasonOf(text, sentSecrets(request))}.`,
        withStatus,
      );
    }
    try {
      const date = response.headers.get("date");
      return { status, body: text ? JSON.parse(text) : null, ...(date ? { date } : {}) };
    } catch {
      throw new UpstreamUnavailable(`${request.label} answered with malformed data. Try again later.`, {
        ...details,
        upstreamStatus: status,
      });
    }
  }
}

/** Errors that mean the request never left this machine: no connection was made. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function neverConnected(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === "string" && NOT_CONNECTED.has(cause.code);
}

const CREDENTIAL_FIELDS = /pass(word)?|secret|token|username|code/i;

/** What this request carried that must not come back in a message: its credentials and the declared secrets. */
function sentSecrets(request: UpstreamRequest): string[] {
  const values = [...(request.secrets ?? [])];
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!/^(authorization|cookie|x-api-key)$/i.test(name)) continue;
    values.push(value, value.replace(/^\S+\s+/, ""));
  }
  for (const [name, value] of Object.entries(request.form ?? {})) {
    if (CREDENTIAL_FIELDS.test(name)) values.push(value);
  }
  return values;
}

/** A short, printable reason from an error body, if it has one, with what the request sent in secret cut out. */
function reasonOf(text: string, secrets: readonly string[]): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const reason = body.detail ?? body.reason ?? body.error ?? body.title ?? body.message;
    if (typeof reason === "string" && reason.trim()) return `: ${printable(redactText(reason, secrets))}`;
  } catch {
    // not JSON: no reason to show
  }
  return "";
}

const EMAIL = /[^\s@"'<>]+@[^\s@"'<>]+\.[A-Za-z]{2,}/g;

/**
 * Upstream text fit to quote to a model and to store in a record: one line, at most 200 characters, without email
 * addresses (a site may name the golfer in its messages).
 */
export function printable(text: string): string {
  return redactText(text).trim().replace(/\s+/g, " ").replace(EMAIL, "[email]").slice(0, 200);
}
