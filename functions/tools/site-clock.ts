/**
 * How far a site's clock is ahead of ours, learned from the HTTP Date header of its answers. A date opens by the
 * site's clock; a race that trusts its own clock is early or late by the difference.
 *
 * The header has whole seconds: an answer sent at our t0, received at t1 and dated D says the site read a time in
 * [D, D + 1 s) somewhere between t0 and t1, so its lead is in [D - t1, D + 1 s - t0]. Each answer narrows the
 * interval; answers timed to straddle a second boundary of the site narrow it to about one round trip.
 */
export class SiteClock {
  #lo = Number.NEGATIVE_INFINITY;
  #hi = Number.POSITIVE_INFINITY;
  #learnedAt = 0;

  /** The interval the site's lead over our clock lies in, in ms (infinite before any answer). */
  get bounds(): { lo: number; hi: number } {
    return { lo: this.#lo, hi: this.#hi };
  }

  get width(): number {
    return this.#hi - this.#lo;
  }

  /** When the interval was last narrowed (our clock), 0 if never. */
  get learnedAt(): number {
    return this.#learnedAt;
  }

  /**
   * The lead to act on: none while our clocks agree as far as the site has shown (its answers are consistent with a
   * lead of 0), else the smallest lead they prove. Both clocks are normally synchronized; this corrects a site or a
   * host that is not, by no more than the evidence.
   */
  get aheadMs(): number {
    if (!Number.isFinite(this.#lo) && !Number.isFinite(this.#hi)) return 0;
    return Math.round(Math.min(Math.max(0, this.#lo), this.#hi));
  }

  /** One answer: sent at `sentAt`, received at `receivedAt` (our clock), with its Date header. */
  observe(sentAt: number, receivedAt: number, dateHeader: string | null | undefined): void {
    const dated = dateHeader ? Date.parse(dateHeader) : Number.NaN;
    if (!Number.isFinite(dated) || receivedAt < sentAt) return;
    const lo = dated - receivedAt;
    const hi = dated + 1_000 - sentAt;
    if (lo > this.#hi || hi < this.#lo) {
      // The site's clock moved (or was set): start again from this answer.
      this.#lo = lo;
      this.#hi = hi;
    } else {
      this.#lo = Math.max(this.#lo, lo);
      this.#hi = Math.min(this.#hi, hi);
    }
    this.#learnedAt = receivedAt;
  }

  /**
   * When to send the next probe (our clock) so the site reads it at one of its second boundaries if its lead is the
   * middle of the interval: whichever side of the boundary it lands on halves the interval.
   */
  nextProbeAt(now: number, roundTripMs: number): number {
    const middle = (this.#lo + this.#hi) / 2;
    const oneWay = roundTripMs / 2;
    // The site's next boundary far enough ahead that the probe can still be sent in time.
    const boundary = Math.ceil((now + oneWay + middle + 20) / 1_000) * 1_000;
    return boundary - middle - oneWay;
  }
}

/** The interval is narrow enough to race on: about a round trip to a site nearby. */
export const SITE_CLOCK_TARGET_MS = 150;
/** At most this many probes per warm-up (each waits for a boundary of the site's second: up to a second). */
export const SITE_CLOCK_PROBES = 6;
