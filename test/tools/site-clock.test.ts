import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GolfCourse } from "../../functions/tools/cps-golf.ts";
import type { Booking } from "../../functions/tools/golf-book-tee-time.ts";
import {
  golfBookWhenOpen,
  type Plan,
  planBookingWhenOpen,
  warmUpBookingWhenOpen,
} from "../../functions/tools/golf-book-when-open.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { SITE_CLOCK_PROBES, SiteClock } from "../../functions/tools/site-clock.ts";
import { SitePacer } from "../../functions/tools/site-pacer.ts";
import { type GolfSimulator, startGolfSimulator } from "../../local/simulators/cps-golf.ts";
import { courseOn, golfDeps } from "./golf-fixture.ts";

/** A site whose clock runs `aheadMs` ahead, answering after `oneWayMs` each way, as its Date header shows it. */
function virtualSite(aheadMs: number, oneWayMs: number) {
  return (sentAt: number) => {
    const read = sentAt + oneWayMs + aheadMs;
    return {
      receivedAt: sentAt + 2 * oneWayMs,
      date: new Date(Math.floor(read / 1000) * 1000).toUTCString(),
    };
  };
}

describe("the site's clock, from the Date headers of its answers", () => {
  it("narrows to about a round trip with probes timed at the site's second boundaries", () => {
    for (const aheadMs of [7_321, -2_480, 0, 999, 60_000]) {
      const site = virtualSite(aheadMs, 40);
      const clock = new SiteClock();
      let now = 1_700_000_000_123;
      const first = site(now);
      clock.observe(now, first.receivedAt, first.date);
      expect(clock.width).toBeGreaterThan(900);
      for (let probe = 0; probe < SITE_CLOCK_PROBES && clock.width > 150; probe++) {
        now = Math.max(now + 1, clock.nextProbeAt(now, 80));
        const answer = site(now);
        clock.observe(now, answer.receivedAt, answer.date);
        now = answer.receivedAt;
      }
      expect(clock.width).toBeLessThanOrEqual(150);
      const { lo, hi } = clock.bounds;
      expect(lo).toBeLessThanOrEqual(aheadMs);
      expect(hi).toBeGreaterThanOrEqual(aheadMs);
    }
  });

  it("acts on no lead while the site's answers are consistent with our clock, else on the least they prove", () => {
    const agreeing = new SiteClock();
    agreeing.observe(10_500, 10_520, new Date(10_000).toUTCString());
    expect(agreeing.bounds.lo).toBeLessThan(0);
    expect(agreeing.aheadMs).toBe(0);
    const ahead = new SiteClock();
    ahead.observe(10_500, 10_520, new Date(17_000).toUTCString());
    expect(ahead.aheadMs).toBe(17_000 - 10_520);
    const behind = new SiteClock();
    behind.observe(10_500, 10_520, new Date(5_000).toUTCString());
    expect(behind.aheadMs).toBe(5_000 + 1_000 - 10_500);
  });

  it("starts again when the site's clock is set (an answer outside what it said before)", () => {
    const clock = new SiteClock();
    clock.observe(10_000, 10_010, new Date(10_000).toUTCString());
    clock.observe(20_000, 20_010, new Date(50_000).toUTCString());
    expect(clock.aheadMs).toBe(50_000 - 20_010);
  });

  it("ignores answers without a readable Date", () => {
    const clock = new SiteClock();
    clock.observe(1, 2, undefined);
    clock.observe(1, 2, "yesterday-ish");
    expect(clock.aheadMs).toBe(0);
    expect(clock.width).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("a site's pace", () => {
  it("lets a burst through at once, then holds to the pace (no request leaves before its slot)", async () => {
    const pacer = new SitePacer({ perSecond: 20, burst: 4 });
    const started = Date.now();
    const left: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, () => pacer.take().then(() => left.push(Date.now() - started))),
    );
    left.sort((a, b) => a - b);
    // Slot i (from 0) leaves no earlier than (i - burst + 1) intervals after the start; a slow machine only delays.
    for (const [i, at] of left.entries()) expect(at).toBeGreaterThanOrEqual(Math.max(0, (i - 3) * 50) - 2);
  });
});

describe("a race against a site whose clock is ahead of ours", () => {
  const ZONE = "America/Chicago";
  let site: GolfSimulator;
  let course: GolfCourse;
  const AHEAD_MS = 7_000;
  beforeAll(async () => {
    site = await startGolfSimulator({ courseName: "Skewed", timeZone: ZONE, clockAheadMs: AHEAD_MS });
    course = courseOn(site, { id: "skewed", name: "Skewed", timeZone: ZONE });
  });
  afterAll(() => site.close());

  const deps = () => golfDeps([course]);

  it("learns the lead at the warm-up and searches at the site's release, not seven seconds after it", async () => {
    const date = addDays(localParts(ZONE, new Date(Date.now() + AHEAD_MS)).date, 30);
    // In 13 s: the race woken 5 s before, the warm-up's probes before that.
    const releasesAt = site.release(date, 13_000);
    const d = deps();
    const planned = (await planBookingWhenOpen.execute({ date }, d)).structuredContent as unknown as Plan;
    expect(Date.parse(planned.opensAt)).toBe(releasesAt);
    const warmed = (await warmUpBookingWhenOpen.execute({ date, plan: planned } as never, d))
      .structuredContent as unknown as Plan;
    // Learned from Date headers, to within a round trip; not learning it would be AHEAD_MS off.
    expect(Math.abs(warmed.siteAheadMs - AHEAD_MS)).toBeLessThan(AHEAD_MS / 3);
    expect(Date.parse(warmed.raceWakeAt)).toBeLessThan(releasesAt - AHEAD_MS);
    const result = await golfBookWhenOpen.execute({ date, plan: warmed } as never, d);
    const booking = result.structuredContent as unknown as Booking;
    const reservation = site.reservations.find((r) => r.reservationId === booking.reservationId);
    // By the site's clock: booked within a couple of seconds of its release (a search trusting our clock would
    // only have left 7 s after it).
    expect(reservation?.bookedAt).toBeGreaterThanOrEqual(releasesAt);
    expect((reservation?.bookedAt ?? 0) - releasesAt).toBeLessThan(AHEAD_MS);
  }, 40_000);
});
