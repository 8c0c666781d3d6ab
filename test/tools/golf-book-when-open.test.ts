import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GolfCourse, GolfDeps } from "../../functions/tools/cps-golf.ts";
import type { Booking } from "../../functions/tools/golf-book-tee-time.ts";
import {
  golfBookWhenOpen,
  type Plan,
  planBookingWhenOpen,
  resolveBookingWhenOpen,
  warmUpBookingWhenOpen,
} from "../../functions/tools/golf-book-when-open.ts";
import { cadenceMs, MAX_CHECKS } from "../../functions/tools/golf-watch-tee-times.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";
import { type GolfSimulator, startGolfSimulator } from "../../local/simulators/cps-golf.ts";
import { courseOn, golfDeps } from "./golf-fixture.ts";

/** The race of golf_book_when_open against the simulated site: what it does when the site fights back. */

const ZONE = "America/Chicago";
const inDays = (n: number) => addDays(localParts(ZONE, new Date()).date, n);

let site: GolfSimulator;
let course: GolfCourse;
beforeAll(async () => {
  site = await startGolfSimulator({ courseName: "Totteridge", timeZone: ZONE });
  course = courseOn(site, { id: "totteridge", name: "Totteridge", timeZone: ZONE });
});
afterAll(() => site.close());
beforeEach(() => site.heal());

/** The real client over a fetch that can act just before a request leaves, as another golfer would. */
function deps(before: (url: string, body: string) => void = () => {}): GolfDeps {
  const watched: typeof fetch = async (input, init) => {
    before(String(input), typeof init?.body === "string" ? init.body : "");
    return fetch(input, init);
  };
  return golfDeps([course], {
    http: new UpstreamClient({
      fetch: watched,
      userAgent: "rez-agent-mcp-test",
      timeoutMs: 2_000,
      cacheTtlMs: 0,
    }),
  });
}

const planNow = (ms = 15_000): Plan => ({
  release: true,
  opensAt: new Date().toISOString(),
  wakeAt: new Date().toISOString(),
  raceWakeAt: new Date().toISOString(),
  siteAheadMs: 0,
  deadline: new Date(Date.now() + ms).toISOString(),
  statusMessage: "",
});

async function race(args: Record<string, unknown>, d = deps(), plan = planNow()) {
  const result = await golfBookWhenOpen.execute({ ...args, plan } as never, d);
  return result.structuredContent as unknown as Booking;
}

describe("the race for a released date", () => {
  it("walks down the preference list when a rival takes the first choice between the search and the hold", async () => {
    const date = inDays(3);
    let rivalDone = false;
    const d = deps((url, body) => {
      if (!rivalDone && url.endsWith("LockTeeTimes")) {
        rivalDone = true;
        const [id] = (JSON.parse(body) as { teeSheetIds: number[] }).teeSheetIds;
        site.takeSpots(id as number, 4);
      }
    });
    const booking = await race(
      { date, players: 2, startTime: "10:00", endTime: "11:00", preference: "closest", closestTo: "10:20" },
      d,
    );
    expect(rivalDone).toBe(true);
    // 10:20 went to the rival; 10:10 and 10:30 are as close, and the earlier wins the tie.
    expect(booking.startTime?.slice(11, 16)).toBe("10:10");
    expect(site.reservations.filter((r) => r.startTime.startsWith(date) && r.by === "golfer")).toHaveLength(
      1,
    );
  });

  it("keeps asking while the site says the date is not open yet, then books the moment it opens", async () => {
    const date = inDays(25);
    const releasesAt = site.release(date, 700);
    const booking = await race({ date, players: 1 });
    const mine = site.reservations.filter((r) => r.startTime.startsWith(date));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.bookedAt).toBeGreaterThanOrEqual(releasesAt);
    expect(booking.startTime?.slice(11, 16)).toBe("07:00");
  });

  it("rides out the site failing at the release and books once it answers", async () => {
    const date = inDays(4);
    site.fail({ kind: "status", status: 503, path: "TeeTimes" }, 3);
    const booking = await race({ date, players: 1, preference: "latest" });
    expect(booking.startTime?.slice(11, 16)).toBe("17:00");
  });

  it("skips tee times above the price ceiling, and says so when none is left", async () => {
    await expect(race({ date: inDays(5), maxPrice: 30 }, deps(), planNow(1_500))).rejects.toThrow(
      /Nothing was booked at Totteridge .* no open tee time matched the price/,
    );
  });

  it("signs in again at the warm-up, not at the release, when the planning's session was dropped during the wait", async () => {
    const date = inDays(40); // not open yet (an earlier release made the rules 25 days): the site gives the instant
    const d = deps();
    const planned = (await planBookingWhenOpen.execute({ date }, d)).structuredContent as unknown as Plan;
    site.revokeTokens();
    const signIns = () => site.requests.filter((r) => r.includes("connect/token")).length;
    const before = signIns();
    const warmed = (await warmUpBookingWhenOpen.execute({ date }, d)).structuredContent as unknown as Plan;
    expect(signIns() - before).toBe(1);
    expect(warmed.opensAt).toBe(planned.opensAt);
    site.release(date, 0);
    const booking = await race({ date }, d, {
      ...warmed,
      opensAt: new Date().toISOString(),
      deadline: new Date(Date.now() + 10_000).toISOString(),
    });
    expect(booking.reservationId).toBeGreaterThan(0);
    expect(signIns() - before).toBe(1);
  });
});

describe("what a scheduled booking is asked for", () => {
  it("refuses preference closest without closestTo, before it asks the site anything", async () => {
    const before = site.requests.length;
    await expect(
      planBookingWhenOpen.execute({ date: inDays(9), preference: "closest" }, deps()),
    ).rejects.toThrow(/preference "closest" needs closestTo/);
    await expect(
      golfBookWhenOpen.execute({ date: inDays(9), preference: "closest", plan: planNow() } as never, deps()),
    ).rejects.toThrow(/needs closestTo/);
    expect(site.requests.slice(before)).toEqual([]);
  });
});

describe("a race cut off before it held anything", () => {
  it("is resolved as not booked, naming the scheduled tee time (not a tee sheet id it never had)", async () => {
    const journal = { read: async () => undefined, note: async () => {} };
    await expect(resolveBookingWhenOpen.execute({ date: inDays(7) }, { ...deps(), journal })).rejects.toThrow(
      /^The booking of the scheduled tee time at Totteridge was cut off before it asked the site to reserve, so nothing was booked/,
    );
  });
});

describe("a watch's cadence", () => {
  const checksWithin = (spanMs: number) => {
    let checks = 0;
    for (let at = 0; at < spanMs; checks++) at += cadenceMs(checks + 1, spanMs);
    return checks;
  };

  it("starts at a minute and backs off to 15 minutes", () => {
    expect(cadenceMs(1, 3_600_000)).toBe(60_000);
    expect(cadenceMs(2, 3_600_000)).toBe(75_000);
    expect(cadenceMs(50, 3_600_000)).toBe(15 * 60_000);
  });

  it.each([
    ["an hour", 3_600_000],
    ["five days", 5 * 86_400_000],
    ["a year", 365 * 86_400_000],
  ])("fits a watch of %s in one execution's history budget (at most MAX_CHECKS checks)", (_, span) => {
    expect(checksWithin(span)).toBeLessThanOrEqual(MAX_CHECKS);
  });
});
