import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { NotConfigured, ToolError, UpstreamRejected, UpstreamUnavailable } from "../core/errors.ts";
import { actingGolfer, DEFAULT_GOLFER } from "../core/golfers.ts";
import type { Clock, GolfCredentials, Secrets } from "../core/ports.ts";
import type { Course, CpsGolfSite } from "./courses.ts";
import type { CpsGolfSessions, GolferClaims, Session } from "./cps-golf-sessions.ts";
import type { SiteClock } from "./site-clock.ts";
import { LAST } from "./site-pacer.ts";
import type { UpstreamAnswer, UpstreamClient, UpstreamRequest } from "./upstream.ts";

export { CpsGolfSessions, type GolferClaims } from "./cps-golf-sessions.ts";

export interface GolfDeps {
  courses: readonly Course[];
  secrets: Pick<Secrets, "golfCredentials">;
  http: UpstreamClient;
  sessions: CpsGolfSessions;
  clock: Clock;
  /** A fresh UUID (session and transaction ids). */
  newId: () => string;
  /** The golfer the call acts for (golfers.ts): whose sign-in it uses. Unset: the default golfer. */
  golfer?: string;
  /** This call's place in the site's queue (a scheduled race takes one when it starts); none: after them, in order. */
  turn?: number;
}

/** A course that takes bookings online. */
export type GolfCourse = Course & { golf: CpsGolfSite };

const TOKEN_MARGIN_MS = 10 * 60_000;
const KEYS_TTL_MS = 60 * 60_000;

/**
 * One course's CPS Golf site: sign-in (OAuth password grant, RS256 token verified against the site's JWKS) and
 * authenticated API calls that sign in again once when the site answers 401.
 */
export class CpsGolfApi {
  readonly course: GolfCourse;
  readonly #deps: GolfDeps;
  readonly #label: string;
  readonly #rank: number;

  /**
   * `urgent`: its requests go before every other waiting for the site's pace (a booking that holds a tee time);
   * else they go in the order of their call's turn (GolfDeps.turn), then as they come.
   */
  constructor(course: GolfCourse, deps: GolfDeps, options: { urgent?: boolean } = {}) {
    this.course = course;
    this.#deps = deps;
    this.#rank = options.urgent ? -1 : (deps.turn ?? LAST);
    this.#label = `The ${course.name} booking site`;
  }

  get #site(): CpsGolfSite {
    return this.course.golf;
  }

  /** The verified golfer, signing in if there is no session good until `freshUntil` (default: now). */
  async golfer(freshUntil?: number): Promise<GolferClaims> {
    return (await this.#session(freshUntil)).claims;
  }

  /**
   * A session the site accepted within `withinMs`, good until `freshUntil`: the golfer's details are asked for
   * unless a call just used it, and a refused token is replaced then, not at the release.
   */
  async liveSession(freshUntil: number, withinMs: number): Promise<void> {
    const session = await this.#session(freshUntil);
    if (this.#deps.clock.now() - session.acceptedAt > withinMs) await this.get("GetUserInformation", {});
  }

  /** The site's clock, as its answers so far show it. */
  get clock(): SiteClock {
    return this.#deps.sessions.clockOf(this.#site.origin);
  }

  /**
   * Every request to the site leaves through here: at the site's pace (shared by all calls in the process), and
   * its answer's Date header teaches the site's clock.
   */
  async #send(request: UpstreamRequest): Promise<UpstreamAnswer> {
    await this.#deps.sessions.pacerOf(this.#site.origin).take(this.#rank);
    await this.#deps.sessions.takeShared(this.#site.origin, () => this.#deps.clock.now());
    const sentAt = this.#deps.clock.now();
    const answer = await this.#deps.http.request(request);
    this.clock.observe(sentAt, this.#deps.clock.now(), answer.date);
    return answer;
  }

  /**
   * GET <api>/<endpoint>?query. The same GET already under way for this course is shared, not sent again (two
   * hundred races searching one date at its release send one search at a time; its answer is read, never changed),
   * except the golfer's reservations: a booking reads them to see its own writes, which an earlier read predates.
   */
  get(endpoint: string, query: Record<string, string>): Promise<unknown> {
    const url = new URL(endpoint, new URL(this.#site.paths.api, this.#site.origin));
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const send = () => this.#call(endpoint, url.href, undefined);
    if (endpoint === "UpcomingReservation") return send();
    return this.#deps.sessions.shared(`GET ${this.course.id} ${url.href}`, send);
  }

  /** POST <api>/<endpoint> with a JSON body. */
  post(endpoint: string, body: unknown): Promise<unknown> {
    const url = new URL(endpoint, new URL(this.#site.paths.api, this.#site.origin));
    return this.#call(endpoint, url.href, body);
  }

  /** One page (from 1) of the golfer's upcoming reservations, as the site answers it. */
  upcomingReservations(golfer: GolferClaims, page: number): Promise<unknown> {
    return this.get("UpcomingReservation", {
      golferId: String(golfer.golferId),
      pageSize: "14",
      currentPage: String(page),
    });
  }

  /** Where the person cancels a reservation on the site. */
  get cancelUrl(): string {
    return new URL(this.#site.paths.cancel, this.#site.origin).href;
  }

  async #call(endpoint: string, url: string, json: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.#session();
      try {
        const answer = await this.#send({
          label: `${this.#label} (${endpoint})`,
          upstream: "cps-golf",
          url,
          method: json === undefined ? "GET" : "POST",
          ...(json === undefined ? {} : { json }),
          headers: { ...this.#siteHeaders(), authorization: `Bearer ${session.accessToken}` },
        });
        session.acceptedAt = this.#deps.clock.now();
        return answer.body;
      } catch (error) {
        // A 401 means the token was refused before anything happened: sign in again, once.
        if (attempt === 1 && error instanceof ToolError && error.details.upstreamStatus === 401) {
          this.#deps.sessions.sessions.delete(this.#sessionKey);
          continue;
        }
        throw error;
      }
    }
  }

  #siteHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      "client-id": this.#site.clientId,
      "x-componentid": "1",
      origin: this.#site.origin,
      ...this.#site.headers,
    };
    if (this.#site.websiteId) headers["x-websiteid"] = this.#site.websiteId;
    return headers;
  }

  async #session(freshUntil = this.#deps.clock.now()): Promise<Session> {
    const { sessions } = this.#deps.sessions;
    const cached = sessions.get(this.#sessionKey);
    if (cached && cached.refreshAfter > freshUntil) return cached;
    // One sign-in per golfer at a time: two hundred bookings waking for one release share it.
    return this.#deps.sessions.shared(`sign-in:${this.#sessionKey}`, async () => {
      const session = await this.#signIn();
      sessions.set(this.#sessionKey, session);
      return session;
    });
  }

  /** Sessions are the golfer's own: two golfers on one course never share a sign-in. */
  get #sessionKey(): string {
    return `${this.#golfer}/${this.course.id}`;
  }

  get #golfer(): string {
    return actingGolfer(this.#deps.golfer);
  }

  async #signIn(): Promise<Session> {
    const credentials = await this.#deps.secrets.golfCredentials(this.#golfer, this.course.id);
    if (!credentials) {
      throw new NotConfigured(
        this.#golfer === DEFAULT_GOLFER
          ? `No CPS Golf sign-in is configured for ${this.course.name}. The server's operator sets it with ` +
              "CPS_GOLF_USERNAME and CPS_GOLF_PASSWORD or in the secrets file."
          : `Golfer ${this.#golfer} has no CPS Golf sign-in for ${this.course.name}. The server's operator adds it ` +
              "to the golfer's secrets (docs/golfers.md).",
      );
    }
    const answer = await this.#requestToken(credentials);
    const token = answer as { access_token?: unknown; expires_in?: unknown } | null;
    if (typeof token?.access_token !== "string") {
      throw new UpstreamUnavailable(`${this.#label} answered the sign-in without a token. Try again later.`, {
        upstream: "cps-golf",
      });
    }
    const { claims, expiresAt } = await this.#verify(token.access_token);
    const lifetime =
      typeof token.expires_in === "number" ? token.expires_in * 1000 : Number.POSITIVE_INFINITY;
    const now = this.#deps.clock.now();
    const expires = Math.min(expiresAt, now + lifetime);
    // Ten minutes before expiry, or halfway for a token that lives less than twenty: a session must outlive a call.
    const margin = Math.min(TOKEN_MARGIN_MS, (expires - now) / 2);
    return { accessToken: token.access_token, claims, refreshAfter: expires - margin, acceptedAt: now };
  }

  async #requestToken(credentials: GolfCredentials): Promise<unknown> {
    const form: Record<string, string> = {
      grant_type: "password",
      username: credentials.username,
      password: credentials.password,
      client_id: this.#site.clientId,
      scope: this.#site.scope,
    };
    if (credentials.clientSecret) form.client_secret = credentials.clientSecret;
    try {
      const answer = await this.#send({
        label: `${this.#label} (sign-in)`,
        upstream: "cps-golf",
        url: new URL(this.#site.paths.token, this.#site.origin).href,
        form,
        headers: this.#siteHeaders(),
      });
      return answer.body;
    } catch (error) {
      if (!(error instanceof UpstreamRejected)) throw error;
      const status = error.details.upstreamStatus;
      // Never echo the site's text here: some sites repeat the username.
      const message =
        status === 403
          ? `${this.#label} refused an API sign-in (HTTP 403). Some CPS Golf sites sit behind a bot wall that ` +
            "blocks programs; this one cannot be used from the server."
          : `${this.#label} refused the sign-in (HTTP ${status}). Check the CPS Golf username and password ` +
            `configured for ${this.course.name}.`;
      throw new UpstreamRejected(message, error.details);
    }
  }

  /** Verifies the token's RS256 signature with the site's keys; any other algorithm is refused. */
  async #verify(token: string): Promise<{ claims: GolferClaims; expiresAt: number }> {
    let payload: Record<string, unknown>;
    try {
      payload = (await this.#verifyWith(token, false)).payload;
    } catch (error) {
      if ((error as { code?: string }).code !== "ERR_JWKS_NO_MATCHING_KEY") throw this.#refused(error);
      // The site may have rotated its keys since they were fetched.
      try {
        payload = (await this.#verifyWith(token, true)).payload;
      } catch (again) {
        throw this.#refused(again);
      }
    }
    const golferId = Number(payload.golferId);
    if (
      !Number.isSafeInteger(golferId) ||
      golferId <= 0 ||
      typeof payload.acct !== "string" ||
      typeof payload.email !== "string"
    ) {
      throw new UpstreamRejected(
        `${this.#label} issued a sign-in token without the golfer's id, account and email; it was not used.`,
        { upstream: "cps-golf" },
      );
    }
    const exp = typeof payload.exp === "number" ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
    return { claims: { golferId, acct: payload.acct, email: payload.email }, expiresAt: exp };
  }

  async #verifyWith(token: string, refetch: boolean) {
    const jwks = await this.#keys(refetch);
    return jwtVerify(token, createLocalJWKSet(jwks), {
      algorithms: ["RS256"],
      clockTolerance: 60,
      currentDate: new Date(this.#deps.clock.now()),
    });
  }

  #refused(error: unknown): ToolError {
    if (error instanceof ToolError) return error;
    const code = (error as { code?: string }).code;
    const why =
      code === "ERR_JWT_EXPIRED"
        ? "it had already expired"
        : code === "ERR_JOSE_ALG_NOT_ALLOWED" || code === "ERR_JOSE_NOT_SUPPORTED"
          ? "it was not signed with RS256"
          : code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
            ? "its signature does not match the site's keys"
            : "it could not be verified";
    return new UpstreamRejected(
      `${this.#label} issued a sign-in token that failed verification (${why}); it was not used.`,
      {
        upstream: "cps-golf",
      },
    );
  }

  async #keys(refetch: boolean): Promise<JSONWebKeySet> {
    const cached = this.#deps.sessions.keys.get(this.#site.origin);
    const now = this.#deps.clock.now();
    if (!refetch && cached && now - cached.fetchedAt < KEYS_TTL_MS) return cached.jwks;
    const answer = await this.#send({
      label: `${this.#label} (signing keys)`,
      upstream: "cps-golf",
      url: new URL(this.#site.paths.jwks, this.#site.origin).href,
    });
    const jwks = answer.body as JSONWebKeySet | null;
    if (!jwks || !Array.isArray(jwks.keys)) {
      throw new UpstreamUnavailable(
        `${this.#label} published its signing keys in a form that cannot be read.`,
        {
          upstream: "cps-golf",
        },
      );
    }
    this.#deps.sessions.keys.set(this.#site.origin, { jwks, fetchedAt: now });
    return jwks;
  }
}
