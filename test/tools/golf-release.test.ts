import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../functions/core/ports.ts";
import { DocumentSecrets } from "../../functions/core/secrets.ts";
import { bookingRules, isNotOpenYet, openingOf } from "../../functions/tools/booking-rules.ts";
import { parseCourses } from "../../functions/tools/courses.ts";
import {
  CpsGolfApi,
  CpsGolfSessions,
  type GolfCourse,
  type GolfDeps,
} from "../../functions/tools/cps-golf.ts";
import {
  golfSearchTeeTimes,
  searchTeeTimes,
  type TeeTime,
} from "../../functions/tools/golf-search-tee-times.ts";
import { addDays, dateString, localParts } from "../../functions/tools/local-time.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";
import { DEMO_GOLFER, type GolfSimulator, startGolfSimulator } from "../../local/simulators/cps-golf.ts";

/**
 * The simulated CPS Golf site's release rules, rivals, holds, seats and control API, read through the real client:
 * what the scheduled booking races against.
 */

const ZONE = "America/New_York";
const inDays = (n: number) => addDays(localParts(ZONE, new Date()).date, n);

let site: GolfSimulator;
let course: GolfCourse;
const member = { ...DEMO_GOLFER, username: "member@example.com", golferId: 40200, memberClassCode: "MEM" };

beforeAll(async () => {
  site = await startGolfSimulator({
    courseName: "Birdsfoot",
    timeZone: ZONE,
    releaseRules: {
      R: { daysInAdvance: 4, daysInAdvanceWeekend: 0, time: "07:00:00" },
      MEM: { daysInAdvance: 5, daysInAdvanceWeekend: 0, time: "07:00:00" },
    },
    golfers: [DEMO_GOLFER, member],
  });
  [course] = parseCourses([
    {
      id: "birdsfoot",
      name: "Birdsfoot",
      timeZone: ZONE,
      latitude: 42,
      longitude: -76,
      origin: site.url,
      courseIds: "1",
    },
  ]) as [GolfCourse];
});
afterAll(() => site.close());

/** Fresh sessions each time: the rules are cached per session store, and these tests change them. */
function deps(golfer = DEMO_GOLFER): GolfDeps {
  return {
    courses: [course],
    secrets: new DocumentSecrets({
      golf: { default: { username: golfer.username, password: golfer.password } },
    }),
    http: new UpstreamClient({ fetch, userAgent: "rez-agent-mcp-test", timeoutMs: 2_000, cacheTtlMs: 0 }),
    sessions: new CpsGolfSessions(),
    clock: systemClock,
    newId: randomUUID,
  };
}

const control = async (path: string, body?: unknown) => {
  const response = await fetch(`${site.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status).toBe(200);
  return response.json();
};

describe("the simulated site's booking rules", () => {
  it("are read for the golfer's own member class (GetUserInformation), as BookingRuleModels gives them", async () => {
    const regular = await bookingRules(course, deps(), inDays(10));
    expect(regular).toMatchObject({
      classCode: "R",
      daysInAdvance: 4,
      releaseTime: "07:00:00",
      from: "site",
    });
    expect(regular.maximumDailyBookings).toBe(1);
    const asMember = await bookingRules(course, deps(member), inDays(10));
    expect(asMember).toMatchObject({ classCode: "MEM", daysInAdvance: 5 });
  });

  it("open a date at the instant /__sim/release names, and the site's own rules give that very instant", async () => {
    const date = inDays(9);
    const { releasesAt } = (await control("/__sim/release", { date, inMs: 1_500 })) as { releasesAt: string };
    const opening = await openingOf(course, deps(), date);
    expect(Date.parse(opening.opensAt)).toBe(Date.parse(releasesAt));
    expect(opening.open).toBe(false);

    // Before the instant the site itself refuses: searches get its 400 "not able to book this tee time currently".
    const error = await searchTeeTimes(course, { date, players: 2, holes: 18 }, deps()).catch((e) => e);
    expect(isNotOpenYet(error)).toBe(true);
    await expect(golfSearchTeeTimes.execute({ date, players: 2 }, deps())).rejects.toThrow(
      /Birdsfoot has not opened .* for booking yet: it opens on .* golf_book_when_open/,
    );

    await vi.waitFor(() => expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(releasesAt)), {
      timeout: 3_000,
    });
    const result = await golfSearchTeeTimes.execute({ date, players: 2 }, deps());
    expect((result.structuredContent as unknown as { teeTimes: TeeTime[] }).teeTimes.length).toBeGreaterThan(
      50,
    );
  });

  it("send rivals for the earliest times at each release, and list every reservation with who made it and when", async () => {
    const date = inDays(8);
    await control("/__sim/rivals", { afterMs: 200, count: 2 });
    const { releasesAt } = (await control("/__sim/release", { date, inMs: 300 })) as { releasesAt: string };
    const rivalsOf = async () =>
      (
        (await control("/__sim/reservations")) as {
          reservations: { teeTime: string; by: string; bookedAt: string; players: number }[];
        }
      ).reservations.filter((r) => r.teeTime.startsWith(date));
    await vi.waitFor(async () => expect(await rivalsOf()).toHaveLength(2), { timeout: 5_000, interval: 50 });
    const rivals = await rivalsOf();
    expect(rivals.map((r) => [r.teeTime.slice(11, 16), r.by, r.players])).toEqual([
      ["07:00", "rival", 4],
      ["07:10", "rival", 4],
    ]);
    for (const r of rivals)
      expect(Date.parse(r.bookedAt) - Date.parse(releasesAt)).toBeGreaterThanOrEqual(200);
    const after = await golfSearchTeeTimes.execute({ date, players: 1 }, deps());
    expect(
      (after.structuredContent as unknown as { teeTimes: TeeTime[] }).teeTimes[0]?.startTime.slice(11, 16),
    ).toBe("07:20");
    await control("/__sim/rivals", { count: 0 });
  });

  it("answer the first searches after a busy release with a false NO_TEETIMES when told to", async () => {
    const date = inDays(7);
    const { releasesAt } = (await control("/__sim/release", { date, inMs: 100, falseEmpties: 1 })) as {
      releasesAt: string;
    };
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(Date.parse(releasesAt) + 20), {
      timeout: 2_000,
    });
    await expect(golfSearchTeeTimes.execute({ date }, deps())).resolves.toMatchObject({ isError: true });
    const second = await golfSearchTeeTimes.execute({ date }, deps());
    expect(second.isError).toBeFalsy();
  });
});

describe("the simulated site's seats and holds", () => {
  it("lists free seat positions, not counts, and releases a hold on UnLockTeeTimes", async () => {
    const date = inDays(2);
    const id = site.teeSheetId(date, "09:00");
    site.takeSpots(id, 2);
    const api = new CpsGolfApi(course, deps());
    const golfer = await api.golfer();
    const slots = (await api.get("TeeTimes", {
      searchDate: dateString(date),
      courseIds: "1",
      classCode: "R",
      memberStoreId: "1",
    })) as { startTime: string; availableParticipantNo: number[] }[];
    expect(slots.find((s) => s.startTime.endsWith("09:00:00"))?.availableParticipantNo).toEqual([3, 4]);
    const seatsOf = async () => {
      const tool = await searchTeeTimes(
        course,
        { date, players: 1, holes: 18, startTime: "09:00", endTime: "09:00" },
        deps(),
      );
      return tool[0]?.openSpots;
    };
    expect(await seatsOf()).toBe(2);
    const lock = (await api.post("LockTeeTimes", {
      teeSheetIds: [id],
      email: golfer.email,
      action: "Online Reservation V5",
      sessionId: randomUUID(),
      golferId: golfer.golferId,
      classCode: "R",
      numberOfPlayer: 1,
    })) as { sessionId: string; error: string };
    expect(lock.error).toBe("");
    expect(site.openSpots(id)).toBe(1);
    await api.post("UnLockTeeTimes", {
      teeSheetIds: [id],
      sessionId: lock.sessionId,
      golferId: golfer.golferId,
    });
    expect(site.openSpots(id)).toBe(2);
  });
});
