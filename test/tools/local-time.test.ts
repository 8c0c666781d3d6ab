import { describe, expect, it } from "vitest";
import { type BookingRules, releaseOf } from "../../functions/tools/booking-rules.ts";
import { parseCourses } from "../../functions/tools/courses.ts";
import type { GolfCourse } from "../../functions/tools/cps-golf.ts";
import { checkBookingDate } from "../../functions/tools/golf-courses.ts";
import { withOffset } from "../../functions/tools/local-time.ts";

/** Dates and times at a course, on fixed clocks: around local midnight and both daylight-saving changes. */

const [seattle] = parseCourses([
  {
    id: "s",
    name: "Sample Links",
    timeZone: "America/Los_Angeles",
    latitude: 47.6,
    longitude: -122.3,
    origin: "https://sample.cps.golf",
    courseIds: "1",
    bookingWindowDays: 14,
  },
]) as [GolfCourse];

const refusal = (date: string, now: string) => {
  try {
    checkBookingDate(seattle, date, new Date(now));
    return "open";
  } catch (error) {
    return (error as Error).message;
  }
};

/** The course settings' rules: 14 days ahead from local midnight. */
const BY_SETTINGS: BookingRules = {
  classCode: "R",
  daysInAdvance: 14,
  daysInAdvanceWeekend: 0,
  releaseTime: "00:00:00",
  from: "course settings",
};
const isOpen = (date: string, now: string, rules = BY_SETTINGS) =>
  Date.parse(now) >= Date.parse(releaseOf(rules, date, seattle.timeZone));

describe("when a date opens, by the course's own calendar", () => {
  it("at 23:59 local (07:59 UTC the next day), today is still the course's today", () => {
    const now = "2026-11-25T07:59:00Z"; // 2026-11-24 23:59 in Seattle
    expect(refusal("2026-11-24", now)).toBe("open");
    expect(isOpen("2026-12-08", now)).toBe(true);
    expect(isOpen("2026-12-09", now)).toBe(false);
    expect(releaseOf(BY_SETTINGS, "2026-12-09", seattle.timeZone)).toBe("2026-11-25T00:00:00-08:00");
    expect(refusal("2026-11-23", now)).toMatch(/is in the past: today at Sample Links is 2026-11-24/);
  });

  it("at 00:01 local, the window moves by a day", () => {
    const now = "2026-11-25T08:01:00Z"; // 2026-11-25 00:01 in Seattle
    expect(refusal("2026-11-24", now)).toMatch(/is in the past/);
    expect(isOpen("2026-12-09", now)).toBe(true);
    expect(isOpen("2026-12-10", now)).toBe(false);
  });

  it("counts calendar days across a daylight-saving change (a 23-hour day in the window)", () => {
    const now = "2026-03-01T20:00:00Z"; // 12:00 PST; clocks go forward on 2026-03-08
    expect(isOpen("2026-03-15", now)).toBe(true);
    expect(isOpen("2026-03-16", now)).toBe(false);
  });

  it("opens a date at the site's clock time, with the weekend rule for Saturdays and Sundays", () => {
    const rules: BookingRules = {
      ...BY_SETTINGS,
      daysInAdvance: 4,
      daysInAdvanceWeekend: 5,
      releaseTime: "07:00:00",
    };
    expect(releaseOf(rules, "2026-12-04", seattle.timeZone)).toBe("2026-11-30T07:00:00-08:00"); // a Friday
    expect(releaseOf(rules, "2026-12-05", seattle.timeZone)).toBe("2026-11-30T07:00:00-08:00"); // a Saturday
    expect(releaseOf(rules, "2026-12-06", seattle.timeZone)).toBe("2026-12-01T07:00:00-08:00"); // a Sunday
    expect(releaseOf(rules, "2026-12-07", seattle.timeZone)).toBe("2026-12-03T07:00:00-08:00"); // a Monday
    expect(releaseOf({ ...rules, daysInAdvanceWeekend: 0 }, "2026-12-05", seattle.timeZone)).toBe(
      "2026-12-01T07:00:00-08:00",
    );
    // Either side of the spring-forward night, the clock time stays 07:00.
    expect(releaseOf(rules, "2026-03-11", seattle.timeZone)).toBe("2026-03-07T07:00:00-08:00");
    expect(releaseOf(rules, "2026-03-12", seattle.timeZone)).toBe("2026-03-08T07:00:00-07:00");
  });
});

describe("a tee time's offset, taken on the tee time's own date", () => {
  it.each([
    ["2026-03-07T08:10:00", "America/Los_Angeles", "2026-03-07T08:10:00-08:00"],
    ["2026-03-09T08:10:00", "America/Los_Angeles", "2026-03-09T08:10:00-07:00"],
    ["2026-03-08T03:30:00", "America/Los_Angeles", "2026-03-08T03:30:00-07:00"],
    ["2026-10-31T08:10:00", "America/Los_Angeles", "2026-10-31T08:10:00-07:00"],
    ["2026-11-02T08:10:00", "America/Los_Angeles", "2026-11-02T08:10:00-08:00"],
    ["2026-03-28T09:00:00", "Europe/London", "2026-03-28T09:00:00+00:00"],
    ["2026-03-30T09:00:00", "Europe/London", "2026-03-30T09:00:00+01:00"],
    ["2026-10-24T09:00:00", "Europe/London", "2026-10-24T09:00:00+01:00"],
    ["2026-10-26T09:00:00", "Europe/London", "2026-10-26T09:00:00+00:00"],
  ])("%s in %s is %s", (local, zone, expected) => {
    expect(withOffset(local, zone)).toBe(expected);
  });
});
