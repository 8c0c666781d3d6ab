import { describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { RACE_LEAD_MS } from "../../functions/tools/golf-book-when-open.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { CPS_GOLF_PACE } from "../../functions/tools/site-pacer.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import { callTool, startHarness } from "./harness.ts";

/** The most requests the site saw in any window of `windowMs`. */
function peak(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while ((sorted[last] ?? 0) - (sorted[first] ?? 0) >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

const BOOKINGS = 200;

describe("two hundred scheduled bookings for one release", () => {
  it("reach the site at its pace, signed in once, and book each tee time once", async () => {
    // Prepare: the default pace; two hundred golfers' worth of bookings for one date, opening soon. What leaves for
    // the site is timed as it leaves: the simulator shares this process, and when two hundred executions keep it
    // busy its arrivals bunch up behind the work (arrivals are reported too).
    const sent: { at: number; url: string }[] = [];
    const watched: typeof fetch = (input, init) => {
      sent.push({ at: Date.now(), url: String(input) });
      return fetch(input, init);
    };
    const harness = await startHarness({ fetch: watched });
    try {
      const site = harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
      const toSite = () => sent.filter(({ url }) => url.startsWith(site.url));
      const date = addDays(localParts("America/Los_Angeles", new Date()).date, 30);
      const releasesAt = site.release(date, RACE_LEAD_MS + 15_000);
      const from = site.requests.length;
      const sentFrom = toSite().length;
      // Act: the bookings, all at once
      const ids = await Promise.all(
        Array.from({ length: BOOKINGS }, async (_, i) => {
          const body = await (
            await callTool(harness.runtime, "golf_book_when_open", {
              date,
              players: 1 + (i % 2),
              startTime: "07:00",
              endTime: "17:00",
            })
          ).json();
          return String(body.result?._meta?.[REQUEST_ID_META_KEY]);
        }),
      );
      expect(new Set(ids).size).toBe(BOOKINGS);
      // Watch the site until 12 s after the release (each request takes its slot; most races are still trying).
      await new Promise((resolve) => setTimeout(resolve, releasesAt + 12_000 - Date.now()));
      const requests = site.requests.slice(from);
      const times = toSite()
        .slice(sentFrom)
        .map(({ at }) => at);
      // Assess: one sign-in, the pace held over every window, nothing booked twice
      expect(requests.filter((r) => r.includes("/connect/token"))).toHaveLength(1);
      // Every request the site saw left through the pace (one may still be on its way).
      expect(times.length).toBeGreaterThanOrEqual(requests.length);
      const perSecond = peak(times, 1_000);
      const perTenSeconds = peak(times, 10_000);
      expect(perSecond).toBeLessThanOrEqual(CPS_GOLF_PACE.burst + CPS_GOLF_PACE.perSecond);
      expect(perTenSeconds).toBeLessThanOrEqual(CPS_GOLF_PACE.burst + 10 * CPS_GOLF_PACE.perSecond);
      const booked = site.reservations.filter((r) => r.startTime.startsWith(date) && r.by === "golfer");
      expect(booked.length).toBeGreaterThan(0);
      const seats = new Map<string, number>();
      for (const r of booked) seats.set(r.startTime, (seats.get(r.startTime) ?? 0) + r.players);
      for (const taken of seats.values()) expect(taken).toBeLessThanOrEqual(4);
      process.stdout.write(
        `200 scheduled bookings: ${requests.length} site requests, peak ${perSecond} sent in a second ` +
          `(${peak(site.requestTimes.slice(from), 1_000)} arrived), ${perTenSeconds} in ten seconds, ` +
          `${booked.length} booked by 12 s after the release\n`,
      );
    } finally {
      await harness.close();
    }
  }, 120_000);
});
