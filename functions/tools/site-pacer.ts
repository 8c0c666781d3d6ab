/**
 * One site's request pace, shared by every call in the process: `perSecond` sustained, with up to `burst` at once
 * after a quiet spell (a token bucket, in the order asked). Tokens are counted when a request leaves, not when it
 * asks: a process that was busy for a second lets at most `burst` go together, not everything that came due.
 * CPS Golf sites are taken to tolerate about 5 requests a second (our assumption; docs/tools.md); a burst of 10 lets
 * one race's search and a booking's every step (up to 7 requests on a site with the optional steps) leave back to
 * back at the release.
 */
export interface Pace {
  perSecond: number;
  burst: number;
}

/**
 * A pace kept across processes (on AWS, every function instance that calls the site), taken after the process's own
 * pace: a request leaves when both allow it.
 */
export interface SharedPace {
  take(site: string): Promise<void>;
  /** Books `count` slots from `at` (epoch ms) on; when each may leave. */
  reserve(site: string, at: number, count: number): Promise<number[]>;
}

/** CPS Golf's pace: what its sites tolerate from one client. */
export const CPS_GOLF_PACE: Pace = { perSecond: 5, burst: 10 };

/** The rank of a request with no call order: after every ranked one. */
export const LAST = Number.MAX_SAFE_INTEGER;

export class SitePacer {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #countedAt: number;
  /** Waiting requests; the lowest rank goes first, then the first to ask. */
  readonly #waiting: { rank: number; resolve: () => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(pace: Pace, now: () => number = Date.now) {
    this.#perMs = pace.perSecond / 1_000;
    this.#burst = Math.max(1, pace.burst);
    this.#now = now;
    this.#tokens = this.#burst;
    this.#countedAt = now();
  }

  /**
   * Waits for this request's turn. Lower ranks go first: a call that started earlier finishes before a later one
   * takes the site's slots (two hundred races sharing five requests a second book one after another, rather than
   * all holding and none reserving).
   */
  take(rank = LAST): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push({ rank, resolve });
      this.#pump();
    });
  }

  #next(): (() => void) | undefined {
    let best = 0;
    for (let i = 1; i < this.#waiting.length; i++)
      if ((this.#waiting[i]?.rank ?? LAST) < (this.#waiting[best]?.rank ?? LAST)) best = i;
    return this.#waiting.splice(best, 1)[0]?.resolve;
  }

  #pump(): void {
    if (this.#timer) return;
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#countedAt) * this.#perMs);
    this.#countedAt = now;
    while (this.#waiting.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#next()?.();
    }
    if (this.#waiting.length === 0) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.ceil((1 - this.#tokens) / this.#perMs),
    );
  }
}
