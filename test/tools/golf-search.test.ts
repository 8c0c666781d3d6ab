import { describe, expect, it } from "vitest";
import {
  NotConfigured,
  UpstreamRejected,
  UpstreamUnavailable,
  ValidationFailed,
} from "../../functions/core/errors.ts";
import { golfGetReservations } from "../../functions/tools/golf-get-reservations.ts";
import { DEMO_GOLFER } from "../../local/simulators/cps-golf.ts";

import { deps, failure, inDays, search, site, useSampleLinks } from "./golf-harness.ts";

/** Searching a CPS Golf site and signing in to it, against Sample Links. */
useSampleLinks();

describe("golf_search_tee_times", () => {
  it("finds the tee times inside a window, with their local offset and green fee", async () => {
    const date = inDays(2);
    const { teeTimes, result } = await search({ date, startTime: "08:00", endTime: "09:00", players: 2 });
    expect(teeTimes.map((t) => t.startTime.slice(11, 16))).toEqual([
      "08:00",
      "08:10",
      "08:20",
      "08:30",
      "08:40",
      "08:50",
      "09:00",
    ]);
    expect(teeTimes[0]).toMatchObject({ holes: 18, price: 45, teeSheetId: site.teeSheetId(date, "08:00") });
    expect(teeTimes[0]?.startTime).toMatch(new RegExp(`^${date}T08:00:00-0[78]:00$`));
    expect(result.isError).toBeUndefined();
    expect(result.content[0]?.text).toContain("7 open tee times at Sample Links");
  });

  it("prices 9 holes with the nine-hole green fee", async () => {
    const { teeTimes } = await search({ date: inDays(2), startTime: "10:00", endTime: "10:00", holes: 9 });
    expect(teeTimes).toEqual([expect.objectContaining({ holes: 9, price: 28 })]);
  });

  it("leaves out tee times without room for the players", async () => {
    const date = inDays(3);
    site.takeSpots(site.teeSheetId(date, "12:00"), 2);
    const { teeTimes } = await search({ date, startTime: "12:00", endTime: "12:10", players: 3 });
    expect(teeTimes.map((t) => t.startTime.slice(11, 16))).toEqual(["12:10"]);
  });

  it("answers a day with nothing open as an error the model can act on", async () => {
    const date = inDays(4);
    for (const time of ["16:50", "17:00"]) site.takeSpots(site.teeSheetId(date, time), 4);
    const { result, teeTimes } = await search({ date, startTime: "16:50", endTime: "17:00" });
    expect(teeTimes).toEqual([]);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(
      /No open tee times at Sample Links .* Try another time window or date/,
    );
  });

  it.each([
    ["a date in the past", { date: inDays(-1) }, /is in the past: today at Sample Links is/],
    [
      "a date not open yet",
      { date: inDays(15) },
      /Sample Links has not opened .* for booking yet: it opens on .* from 00:00 course time .* 14 days ahead by the site's booking rules \(member class R\)\. golf_book_when_open/,
    ],
    ["a date that is not on the calendar", { date: "2027-02-30" }, /not a date on the calendar/],
    [
      "an end time before the start time",
      { date: inDays(1), startTime: "15:00", endTime: "09:00" },
      /before the start time/,
    ],
    [
      "an unknown course",
      { date: inDays(1), course: "Pebble" },
      /No course "Pebble".*Sample Links \(sample-links\)/,
    ],
    ["a course without online booking", { date: inDays(1), course: "City Park" }, /does not take bookings/],
  ])("refuses %s with a sentence naming the problem", async (_, args, message) => {
    const error = await failure(search(args));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect(error.message).toMatch(message);
  });
});

describe("calls sharing one site", () => {
  it("send one search for identical searches under way, one sign-in for them all, and give each the answer", async () => {
    const d = deps();
    const before = site.requests.length;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => search({ date: inDays(4), players: 1, startTime: "08:00" }, d)),
    );
    const sent = site.requests.slice(before);
    expect(sent.filter((r) => r.includes("/TeeTimes?"))).toHaveLength(1);
    expect(sent.filter((r) => r.includes("/connect/token"))).toHaveLength(1);
    for (const { teeTimes } of answers) expect(teeTimes).toEqual(answers[0]?.teeTimes);
  });

  it("never share a read of the golfer's reservations, which a booking makes to see its own writes", async () => {
    const d = deps();
    await search({ date: inDays(4) }, d);
    const before = site.requests.length;
    await Promise.all([golfGetReservations.execute({}, d), golfGetReservations.execute({}, d)]);
    expect(site.requests.slice(before).filter((r) => r.includes("/UpcomingReservation?"))).toHaveLength(2);
  });
});

describe("signing in to a CPS Golf site", () => {
  it("verifies the token once and reuses the session", async () => {
    const d = deps();
    const before = site.requests.filter((r) => r.includes("connect/token")).length;
    await search({ date: inDays(1) }, d);
    await search({ date: inDays(2) }, d);
    expect(site.requests.filter((r) => r.includes("connect/token")).length - before).toBe(1);
  });

  it.each([
    ["an expired token", "expired", /already expired/],
    ["a token signed by another key", "badSignature", /signature does not match/],
    ['a token with alg "none"', "algNone", /not signed with RS256/],
    ["an HS256 token keyed with the public key", "hs256", /not signed with RS256/],
  ] as const)("refuses %s and does not use it", async (_, fault, reason) => {
    site.failTokens(fault, 1);
    const error = await failure(search({ date: inDays(1) }));
    expect(error).toBeInstanceOf(UpstreamRejected);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain("failed verification");
  });

  it("names the missing credentials when none are configured", async () => {
    const error = await failure(search({ date: inDays(1) }, deps({}, {})));
    expect(error).toBeInstanceOf(NotConfigured);
    expect(error.message).toContain("CPS_GOLF_USERNAME");
  });

  it("says the site refused the sign-in, without echoing the password", async () => {
    const wrong = { golf: { default: { username: DEMO_GOLFER.username, password: "hunter2-wrong" } } };
    const error = await failure(search({ date: inDays(1) }, deps({}, wrong)));
    expect(error).toBeInstanceOf(UpstreamRejected);
    expect(error.message).toMatch(
      /refused the sign-in \(HTTP 400\)\. Check the CPS Golf username and password/,
    );
    expect(error.message).not.toContain("hunter2");
  });

  it("reports a bot wall (403 on sign-in) as a refused API login", async () => {
    site.fail({ kind: "status", status: 403, path: "/connect/token" }, 1);
    const error = await failure(search({ date: inDays(1) }));
    expect(error.message).toMatch(/refused an API sign-in \(HTTP 403\).*bot wall/);
  });

  it("signs in again once when the site stops accepting the token (401)", async () => {
    const d = deps();
    await search({ date: inDays(1) }, d);
    site.revokeTokens();
    const { teeTimes } = await search({ date: inDays(1) }, d);
    expect(teeTimes.length).toBeGreaterThan(0);
  });

  it("treats a site that is down as unavailable (retryable)", async () => {
    site.fail({ kind: "status", status: 503 });
    const error = await failure(search({ date: inDays(1) }));
    expect(error).toBeInstanceOf(UpstreamUnavailable);
  });
});
