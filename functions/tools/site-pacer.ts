/**
 * One site's request pace, shared by every call in the process: `perSecond` sustained, with up to `burst` at once
 * after a quiet spell (the generic cell rate algorithm: each request takes the next slot, in the order asked).
 * CPS Golf sites are taken to tolerate about 5 requests a second (our assumption; docs/tools.md); a burst of 10 lets
 * one race's search and a booking's every step (up to 7 requests on a site with the optional steps) leave back to
 * back at the release.
 */
export interface Pace {
  perSecond: number;
  burst: number;
}

/** CPS Golf's pace: what its sites tolerate from one client. */
export const CPS_GOLF_PACE: Pace = { perSecond: 5, burst: 10 };

export class SitePacer {
  readonly #interval: number;
  readonly #tolerance: number;
  readonly #now: () => number;
  /** When the next request would leave if requests came evenly (the algorithm's theoretical arrival time). */
  #next = Number.NEGATIVE_INFINITY;

  constructor(pace: Pace, now: () => number = Date.now) {
    this.#interval = 1_000 / pace.perSecond;
    this.#tolerance = (Math.max(1, pace.burst) - 1) * this.#interval;
    this.#now = now;
  }

  /** Waits for this request's slot. */
  async take(): Promise<void> {
    const now = this.#now();
    const next = Math.max(this.#next, now);
    this.#next = next + this.#interval;
    const leaveAt = next - this.#tolerance;
    if (leaveAt > now) await new Promise((resolve) => setTimeout(resolve, leaveAt - now));
  }
}
