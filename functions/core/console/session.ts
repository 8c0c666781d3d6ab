import { servedSchemes } from "../http.ts";
import type { Principal } from "../ports.ts";
import { TokenSigner } from "../signed-tokens.ts";

/**
 * The console's session: signing in with the API key (a header, never a URL) gets a signed, expiring cookie that
 * names the key's owner. The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
 * it), Secure when the console is served over https, and scoped to the console's path: the MCP routes never accept
 * it. A request that changes something also carries the session's CSRF token, which only the console's own script
 * can read (from a same-origin JSON answer).
 */

export const SESSION_COOKIE = "rez_console";
/** How long a session lasts; signing in again starts a new one. */
export const SESSION_SECONDS = 12 * 3600;

interface SessionPayload {
  v: 1;
  /** The owner (the key's id) and, when it has one, its golfer. */
  o: string;
  g?: string;
  /** Expiry, epoch milliseconds. */
  e: number;
  /** A nonce: two sign-ins never share a token or a CSRF token. */
  n: string;
}

export interface Session {
  principal: Principal;
  csrf: string;
  expiresAt: number;
}

export class ConsoleSessions {
  readonly #signer: TokenSigner;
  readonly #now: () => number;

  constructor(secret: () => Promise<string>, now: () => number) {
    // Its own key, derived from the server's secret: no other token the server signs opens as a session.
    this.#signer = new TokenSigner(secret, "console-session");
    this.#now = now;
  }

  /** A new session's cookie for a principal the key was checked for. */
  async start(principal: Principal, request: Request, cookiePath: string): Promise<string> {
    const payload: SessionPayload = {
      v: 1,
      o: principal.owner,
      e: this.#now() + SESSION_SECONDS * 1000,
      n: crypto.randomUUID(),
    };
    if (principal.golfer !== undefined) payload.g = principal.golfer;
    const token = await this.#signer.sign(payload);
    return cookie(token, SESSION_SECONDS, request, cookiePath);
  }

  /** The cookie that ends a session in the browser. */
  end(request: Request, cookiePath: string): string {
    return cookie("", 0, request, cookiePath);
  }

  /** The request's session, when it carries a valid, unexpired one. */
  async read(request: Request): Promise<Session | undefined> {
    const token = cookieValue(request.headers.get("cookie"), SESSION_COOKIE);
    if (!token) return undefined;
    const opened = await this.#signer.open<SessionPayload>(token);
    if ("refused" in opened) return undefined;
    const { payload } = opened;
    if (payload.v !== 1 || typeof payload.o !== "string" || !(payload.e > this.#now())) return undefined;
    const principal: Principal = { owner: payload.o };
    if (typeof payload.g === "string") principal.golfer = payload.g;
    return { principal, csrf: await this.#signer.mac(`csrf\u0000${token}`), expiresAt: payload.e };
  }
}

function cookie(value: string, maxAgeSeconds: number, request: Request, path: string): string {
  const parts = [`${SESSION_COOKIE}=${value}`, `Path=${path}`, `Max-Age=${maxAgeSeconds}`, "HttpOnly"];
  parts.push("SameSite=Strict");
  if (servedSchemes(request).includes("https")) parts.push("Secure");
  return parts.join("; ");
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
