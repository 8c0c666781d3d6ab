import { describe, expect, it } from "vitest";
import {
  BookingIncomplete,
  OutcomeUnknown,
  UpstreamRejected,
  UpstreamUnavailable,
  ValidationFailed,
} from "../../functions/core/errors.ts";
import type { ToolResult } from "../../functions/core/tool.ts";
import { DEFAULT_CPS_PATHS } from "../../functions/tools/courses.ts";
import {
  type Booking,
  type BookingDeps,
  type BookingNote,
  golfBookTeeTime,
  resolveBooking,
  SITE_HOLD_MS,
} from "../../functions/tools/golf-book-tee-time.ts";
import {
  type CancelDeps,
  type CancelNote,
  golfCancelReservation,
} from "../../functions/tools/golf-cancel-reservation.ts";
import { golfGetReservations, type Reservation } from "../../functions/tools/golf-get-reservations.ts";
import { DEMO_GOLFER } from "../../local/simulators/cps-golf.ts";
import {
  book,
  course,
  deps,
  failure,
  inDays,
  memoryJournal,
  search,
  site,
  useSampleLinks,
  withOwnSite,
} from "./golf-harness.ts";

/** Booking, listing, resolving and cancelling on a CPS Golf site, against Sample Links. */
useSampleLinks();

describe("golf_book_tee_time", () => {
  it("books the tee time for every player and takes their spots", async () => {
    const date = inDays(5);
    const id = site.teeSheetId(date, "08:10");
    const booking = await book({ teeSheetId: id, players: 3 });
    expect(booking).toMatchObject({
      course: "Sample Links",
      teeSheetId: id,
      players: 3,
      totalDueAtCourse: 135,
      confirmationKey: expect.stringMatching(/^[0-9A-F]{8}$/),
    });
    expect(booking.startTime).toMatch(new RegExp(`^${date}T08:10:00-0[78]:00$`));
    expect(site.openSpots(id)).toBe(1);
    expect(site.reservations.at(-1)).toMatchObject({
      teeSheetId: id,
      players: 3,
      golferId: DEMO_GOLFER.golferId,
    });
  });

  it("refuses at the golfer's booking limit, letting go of the hold that raced the check, and books nothing", async () => {
    await withOwnSite(
      { steps: ["checkBookingLimit"], maxReservations: 0 },
      { bookingSteps: ["checkBookingLimit"] },
      async (full, limited) => {
        const id = full.teeSheetId(inDays(5), "09:00");
        const refused = await failure(
          book({ course: limited.id, teeSheetId: id, players: 2 }, deps({ courses: [limited] })),
        );
        expect(refused).toBeInstanceOf(UpstreamRejected);
        expect(refused.message).toMatch(/will not take another booking .*booking limit/);
        expect(full.requests.some((r) => r.endsWith("/UnLockTeeTimes"))).toBe(true);
        expect(full.openSpots(id)).toBe(4);
        expect(full.reservations).toHaveLength(0);
      },
    );
  });

  it("runs the optional steps a site needs, in order", async () => {
    const start = site.requests.length;
    await book({ teeSheetId: site.teeSheetId(inDays(5), "09:00"), players: 1 });
    const steps = site.requests
      .slice(start)
      .filter((r) => r.startsWith("POST /onlineres"))
      .map((r) => r.split("/").at(-1));
    // The limit check goes with the hold, the registration with the pricing; the reservation comes last.
    expect(steps.slice(0, 2).sort()).toEqual(["CheckBookingLimit", "LockTeeTimes"]);
    expect(steps.slice(2, 4).sort()).toEqual(["RegisterTransactionId", "TeeTimePricesCalculation"]);
    expect(steps.slice(4)).toEqual(["ReserveTeeTimes"]);
  });

  it("gives the last spot to one of two concurrent bookings; the other hears it is no longer available", async () => {
    const id = site.teeSheetId(inDays(6), "10:00");
    site.takeSpots(id, 3);
    const outcomes = await Promise.allSettled([
      book({ teeSheetId: id, players: 1 }),
      book({ teeSheetId: id, players: 1 }),
    ]);
    const booked = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(booked).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.reason).toBeInstanceOf(UpstreamRejected);
    expect(refused[0]?.reason.message).toContain("no longer available");
    expect(site.openSpots(id)).toBe(0);
  });

  it("says a tee sheet id that does not exist does not exist", async () => {
    const error = await failure(book({ teeSheetId: 99, players: 1 }));
    expect(error).toBeInstanceOf(UpstreamRejected);
    expect(error.message).toContain("does not exist");
  });

  it("finishes a booking whose token expires between the hold and the reservation", async () => {
    const id = site.teeSheetId(inDays(6), "11:00");
    const d = deps();
    await search({ date: inDays(6) }, d);
    site.revokeTokensAfter("TeeTimePricesCalculation");
    const booking = await book({ teeSheetId: id, players: 2 }, d);
    expect(booking.players).toBe(2);
    expect(site.openSpots(id)).toBe(2);
  });

  it("reports a 500 on the reservation after a successful hold as an unknown outcome, and does not resend it", async () => {
    const id = site.teeSheetId(inDays(7), "12:00");
    site.fail({ kind: "status", status: 500, path: "ReserveTeeTimes" });
    const reserves = () => site.requests.filter((r) => r.endsWith("ReserveTeeTimes")).length;
    const before = reserves();
    const error = await failure(book({ teeSheetId: id, players: 2 }));
    expect(error).toBeInstanceOf(BookingIncomplete);
    expect(error.message).toMatch(
      /failed at the last step \(ReserveTeeTimes, HTTP 500\), so it may or may not be booked/,
    );
    expect(error.message).toContain("golf_get_reservations");
    expect(reserves() - before).toBe(1);
  });

  it("reports a failure after the hold but before the reservation as nothing booked", async () => {
    site.fail({ kind: "malformed", path: "TeeTimePricesCalculation" }, 1);
    const error = await failure(book({ teeSheetId: site.teeSheetId(inDays(7), "13:00"), players: 1 }));
    expect(error).toBeInstanceOf(BookingIncomplete);
    expect(error.message).toMatch(/stopped at step TeeTimePricesCalculation.*Nothing was booked/);
  });

  it("keeps a hold that never reached the site retryable", async () => {
    site.fail({ kind: "status", status: 429, path: "LockTeeTimes" }, 1);
    const error = await failure(book({ teeSheetId: site.teeSheetId(inDays(7), "14:00"), players: 1 }));
    expect(error).toBeInstanceOf(UpstreamUnavailable);
  });

  it.each([
    ["a dropped connection", { kind: "drop" as const }],
    ["a 503 (the site may have held it before failing)", { kind: "status" as const, status: 503 }],
    ["a 500", { kind: "status" as const, status: 500 }],
  ])("does not retry a hold whose outcome is unknown: %s", async (_, fault) => {
    site.fail({ ...fault, path: "LockTeeTimes" }, 1);
    const error = await failure(book({ teeSheetId: site.teeSheetId(inDays(7), "14:10"), players: 1 }));
    expect(error).toBeInstanceOf(BookingIncomplete);
    expect(error).not.toBeInstanceOf(UpstreamUnavailable);
    expect(error.message).toMatch(/failed while holding .* Nothing was booked/);
  });
});

describe("golf_get_reservations", () => {
  it("lists every page of upcoming reservations soonest first, each with its cancellation link and the id that cancels it", async () => {
    const d = deps();
    // More than one page of 14.
    for (let i = 0; i < 15; i++) {
      await book(
        { teeSheetId: site.teeSheetId(inDays(8 + (i % 5)), `0${7 + Math.floor(i / 5)}:30`), players: 1 },
        d,
      );
    }
    const result: ToolResult = await golfGetReservations.execute({}, d);
    const { reservations } = result.structuredContent as unknown as { reservations: Reservation[] };
    expect(reservations.length).toBe(site.reservations.length);
    const times = reservations.map((r) => Date.parse(r.startTime));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(reservations[0]?.cancelUrl).toBe(`${site.url}${DEFAULT_CPS_PATHS.cancel}`);
    expect(reservations[0]?.confirmationKey).toMatch(/^[0-9A-F]{8}$/);
    expect(result.content[0]?.text).toContain("Cancel: ");
    // The text names each reservation id, which golf_cancel_reservation needs.
    for (const r of reservations)
      expect(result.content[0]?.text).toContain(`reservation ${r.reservationId}.`);
    expect(result.content[0]?.text).toMatch(/golf_cancel_reservation cancels one by its reservation id/);
  });
});

describe("a short-lived sign-in token", () => {
  it("is reused within a call rather than signing in before every request", async () => {
    await withOwnSite({ tokenLifetimeSeconds: 300 }, {}, async (short, quick) => {
      const d = deps({ courses: [quick] });
      await golfBookTeeTime.execute({ teeSheetId: short.teeSheetId(inDays(1), "09:00"), players: 1 }, d);
      expect(short.requests.filter((r) => r.includes("connect/token"))).toHaveLength(1);
    });
  });
});

describe("resolving a booking that was cut off, by asking the site", () => {
  const resolve = (args: Record<string, unknown>, d: BookingDeps) =>
    resolveBooking(args as never, d).then(
      (result) => ({ booked: result.structuredContent as unknown as Booking }),
      (error: Error) => ({ error }),
    );

  it("says nothing was booked when the booking never reached the reservation step", async () => {
    const outcome = await resolve(
      { teeSheetId: 1, players: 1 },
      { ...deps(), journal: memoryJournal<BookingNote>() },
    );
    expect(outcome).toMatchObject({ error: { name: "BookingIncomplete", message: /so nothing was booked/ } });
  });

  it("finds the reservation the cut-off booking made, with its confirmation", async () => {
    const journal = memoryJournal<BookingNote>();
    const teeSheetId = site.teeSheetId(inDays(4), "10:30");
    const booked = await golfBookTeeTime.execute({ teeSheetId, players: 3 } as never, { ...deps(), journal });
    const made = booked.structuredContent as unknown as Booking;
    // As if the answer had been lost: the journal is all that is left, and the site is asked.
    const outcome = await resolve({ teeSheetId, players: 3 }, { ...deps(), journal });
    expect(outcome).toMatchObject({
      booked: { reservationId: made.reservationId, confirmationKey: made.confirmationKey, players: 3 },
    });
  });

  /**
   * A booking of `players` at `time` cut off during ReserveTeeTimes before the site held anything for it: its
   * journal, noted with the golfer's reservations as they were, aged past the site's hold.
   */
  const cutOff = async (date: string, time: string, players: number) => {
    const journal = memoryJournal<BookingNote>();
    const before = (await golfGetReservations.execute({}, deps())).structuredContent as unknown as {
      reservations: Reservation[];
    };
    const teeSheetId = site.teeSheetId(date, time);
    await journal.note({
      course: course.id,
      players,
      teeSheetId,
      before: before.reservations.map((r) => r.reservationId),
      at: Date.now() - SITE_HOLD_MS - 1,
      startTime: `${date}T${time}`,
    });
    return { journal, mine: teeSheetId };
  };

  it("never claims another booking's reservation (one cut off by the same crash) as its own", async () => {
    const { journal, mine } = await cutOff(inDays(5), "11:00", 2);
    // Another call, same golfer, same player count, another tee time: it lands; mine never did.
    await golfBookTeeTime.execute(
      { teeSheetId: site.teeSheetId(inDays(5), "11:10"), players: 2 } as never,
      deps(),
    );
    const outcome = await resolve({ teeSheetId: mine, players: 2 }, { ...deps(), journal });
    expect(outcome).toMatchObject({ error: { name: "BookingIncomplete", message: /so it was not booked/ } });
  });

  it("never claims a reservation at its start time for another number of players", async () => {
    const { journal, mine } = await cutOff(inDays(6), "12:00", 3);
    // Another call, same golfer, same tee time, one player: it lands; mine (three players) never did.
    await golfBookTeeTime.execute({ teeSheetId: mine, players: 1 } as never, deps());
    const outcome = await resolve({ teeSheetId: mine, players: 3 }, { ...deps(), journal });
    expect(outcome).toMatchObject({ error: { name: "BookingIncomplete", message: /so it was not booked/ } });
  });

  it("will not say 'not booked' while the site's hold could still turn into a reservation, and says it after", async () => {
    const journal = memoryJournal<BookingNote>();
    const before = (await golfGetReservations.execute({}, deps())).structuredContent as unknown as {
      reservations: Reservation[];
    };
    const now = Date.now();
    await journal.note({
      course: course.id,
      players: 2,
      teeSheetId: 5,
      before: before.reservations.map((r) => r.reservationId),
      at: now,
    });
    const young = await resolve({ teeSheetId: 5, players: 2 }, { ...deps(), journal });
    expect(young).toMatchObject({ error: { name: "UpstreamUnavailable", message: /may still be booked/ } });
    const later = { now: () => now + SITE_HOLD_MS + 1 };
    const old = await resolve({ teeSheetId: 5, players: 2 }, { ...deps({ clock: later }), journal });
    expect(old).toMatchObject({ error: { name: "BookingIncomplete", message: /so it was not booked/ } });
  });
});

describe("golf_cancel_reservation", () => {
  const cancel = (args: Record<string, unknown>, d: CancelDeps = deps()) =>
    golfCancelReservation.execute(args as never, d);

  it("cancels the golfer's own reservation on the site, frees its spots, and says what was cancelled", async () => {
    const date = inDays(6);
    const id = site.teeSheetId(date, "10:40");
    const booking = await book({ teeSheetId: id, players: 3 });
    expect(site.openSpots(id)).toBe(1);
    const result = await cancel({ reservationId: booking.reservationId });
    expect(result.structuredContent).toMatchObject({
      reservationId: booking.reservationId,
      course: "Sample Links",
      players: 3,
      startTime: expect.stringMatching(new RegExp(`^${date}T10:40:00-0[78]:00$`)),
    });
    expect(result.content[0]?.text).toMatch(
      /^Cancelled reservation \d+ at Sample Links on .* at 10:40 for 3 players\.$/,
    );
    expect(site.openSpots(id)).toBe(4);
    expect(site.reservations.find((r) => r.reservationId === booking.reservationId)?.cancelled).toBe(true);
  });

  it("run again for the same request after it cancelled, says it is cancelled and never sends it twice", async () => {
    const booking = await book({ teeSheetId: site.teeSheetId(inDays(6), "11:40"), players: 2 });
    const journal = memoryJournal<CancelNote>();
    const sent = () => site.requests.filter((r) => r.includes("CancelReservation")).length;
    const before = sent();
    await cancel({ reservationId: booking.reservationId }, { ...deps(), journal });
    // The same request again, as a run past its idempotency window after a crash would be: its journal remains.
    const again = await cancel({ reservationId: booking.reservationId }, { ...deps(), journal });
    expect(again.content[0]?.text).toMatch(
      /^Cancelled reservation \d+ .*earlier attempt sent it; the site no longer lists it/,
    );
    expect(again.structuredContent).toMatchObject({ reservationId: booking.reservationId, players: 2 });
    expect(sent()).toBe(before + 1);
  });

  it("run again for the same request when the site still lists the reservation, says so and sends nothing", async () => {
    const booking = await book({ teeSheetId: site.teeSheetId(inDays(6), "12:00"), players: 1 });
    const journal = memoryJournal<CancelNote>();
    // The first run noted it and sent it, and the send never reached the site.
    await journal.note({ reservationId: booking.reservationId, startTime: "x", players: 1, at: Date.now() });
    const sent = () => site.requests.filter((r) => r.includes("CancelReservation")).length;
    const before = sent();
    const error = await failure(cancel({ reservationId: booking.reservationId }, { ...deps(), journal }));
    expect(error).toBeInstanceOf(OutcomeUnknown);
    expect(error.message).toMatch(
      /earlier attempt of this request sent the cancellation .* still lists it; it was not sent again/,
    );
    expect(sent()).toBe(before);
  });

  it("refuses a reservation that is not among the golfer's upcoming ones, and cancels nothing", async () => {
    const booking = await book({ teeSheetId: site.teeSheetId(inDays(6), "11:00"), players: 1 });
    await cancel({ reservationId: booking.reservationId });
    const sent = () => site.requests.filter((r) => r.includes("CancelReservation")).length;
    const before = sent();
    const error = await failure(cancel({ reservationId: booking.reservationId }));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect(error.message).toMatch(
      /is not among the golfer's upcoming reservations .* golf_get_reservations lists them/,
    );
    expect(sent()).toBe(before);
  });

  it("says the outcome is unknown, and does not send again, when the site takes the cancellation and never answers", async () => {
    const booking = await book({ teeSheetId: site.teeSheetId(inDays(6), "11:20"), players: 2 });
    site.fail({ kind: "drop", path: "CancelReservation" }, 1);
    const before = site.requests.filter((r) => r.includes("CancelReservation")).length;
    const error = await failure(cancel({ reservationId: booking.reservationId }));
    expect(error).toBeInstanceOf(OutcomeUnknown);
    expect(error.message).toMatch(/may or may not be cancelled\. Check with golf_get_reservations/);
    expect(site.requests.filter((r) => r.includes("CancelReservation")).length - before).toBe(1);
  });
});
