import type { JSONWebKeySet } from "jose";
import type { BookingRules } from "./booking-rules.ts";
import { SiteClock } from "./site-clock.ts";
import { CPS_GOLF_PACE, type Pace, type SharedPace, SitePacer } from "./site-pacer.ts";

/** Who the verified token says the golfer is. Taken from the token only, never from arguments. */
export interface GolferClaims {
  golferId: number;
  acct: string;
  email: string;
}

export interface Session {
  accessToken: string;
  claims: GolferClaims;
  /** Epoch ms after which the token is not used (10 minutes before it expires). */
  refreshAfter: number;
  /** When the site last accepted it (epoch ms). */
  acceptedAt: number;
}

/**
 * What outlives one call in a warm function, shared by every golf call in it: signed-in sessions per course (one
 * sign-in at a time: calls that need one while it is under way wait for it), each site's signing keys, its pace and
 * its clock. Built once at cold start.
 */
export class CpsGolfSessions {
  readonly sessions = new Map<string, Session>();
  /** Each site's pace and clock, by its origin. */
  readonly pacers = new Map<string, SitePacer>();
  readonly clocks = new Map<string, SiteClock>();
  /** Work under way that every call needing it shares: a sign-in, a read of the rules, a search, a clock learning. */
  readonly #underWay = new Map<string, Promise<unknown>>();
  readonly pace: Pace;
  /** The pace every process shares (AWS: a DynamoDB item per site); none locally, where one process calls. */
  readonly sharedPace: SharedPace | undefined;
  readonly keys = new Map<string, { jwks: JSONWebKeySet; fetchedAt: number }>();
  /** The signed-in golfer's member class per course (GetUserInformation). */
  readonly memberClasses = new Map<string, string>();
  /** Booking rules per course and member class (BookingRuleModels). */
  readonly rules = new Map<string, { rules: BookingRules; fetchedAt: number }>();

  /** Shared slots booked ahead, per site origin: when each may leave, earliest first. */
  readonly #booked = new Map<string, number[]>();

  /**
   * Books `count` of the shared pace's slots from `at` for this process's next requests to the site (a race books
   * its release's second a few seconds ahead). Nothing to do without a shared pace.
   */
  async bookSlots(origin: string, at: number, count: number): Promise<void> {
    if (!this.sharedPace) return;
    const slots = await this.sharedPace.reserve(origin, at, count);
    this.#booked.set(
      origin,
      [...(this.#booked.get(origin) ?? []), ...slots].sort((a, b) => a - b),
    );
  }

  /** Waits for this request's turn in the pace every process shares: a slot booked ahead, else a new one. */
  async takeShared(origin: string, now: () => number): Promise<void> {
    if (!this.sharedPace) return;
    const booked = this.#booked.get(origin) ?? [];
    // A slot booked ahead is used when its time has come or is near; stale ones (more than a minute old) are dropped.
    while (booked.length > 0 && (booked[0] ?? 0) < now() - 60_000) booked.shift();
    const slot = booked.length > 0 && (booked[0] ?? 0) <= now() + 1_000 ? booked.shift() : undefined;
    if (slot === undefined) return this.sharedPace.take(origin);
    const wait = slot - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  constructor(pace: Pace = CPS_GOLF_PACE, sharedPace?: SharedPace) {
    this.pace = pace;
    this.sharedPace = sharedPace;
  }

  /** Runs `run` unless the same `key` is under way, in which case its answer is shared. */
  shared<T>(key: string, run: () => Promise<T>): Promise<T> {
    const pending = this.#underWay.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const started = run().finally(() => this.#underWay.delete(key));
    this.#underWay.set(key, started);
    return started;
  }

  #turns = 0;

  /** The next call's place in every site's queue. */
  nextTurn(): number {
    this.#turns += 1;
    return this.#turns;
  }

  pacerOf(origin: string): SitePacer {
    const pacer = this.pacers.get(origin) ?? new SitePacer(this.pace);
    this.pacers.set(origin, pacer);
    return pacer;
  }

  clockOf(origin: string): SiteClock {
    const clock = this.clocks.get(origin) ?? new SiteClock();
    this.clocks.set(origin, clock);
    return clock;
  }
}
