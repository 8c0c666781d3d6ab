import { BookingIncomplete, UpstreamUnavailable } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { RequestJournal } from "../core/ports.ts";
import type { ToolResult } from "../core/tool.ts";
import type { GolfDeps } from "./cps-golf.ts";
import { golfCourse } from "./golf-courses.ts";
import { upcomingReservations } from "./golf-get-reservations.ts";

/**
 * A booking's outcome, and what a booking cut off without an answer leaves to find it by: its note in the journal,
 * read by the resolution, which asks the site and books nothing.
 */

/** A booked tee time. */
export interface Booking {
  course: string;
  teeSheetId: number;
  startTime: string | null;
  players: number;
  reservationId: number;
  confirmationKey: string;
  totalDueAtCourse: number | null;
}

/** The sentence a booking is told in. */
export function render(booking: Booking): string {
  const when = booking.startTime
    ? `${booking.startTime.slice(0, 10)} at ${booking.startTime.slice(11, 16)}`
    : "the booked time";
  const due =
    booking.totalDueAtCourse === null ? "" : ` Due at the course: $${booking.totalDueAtCourse.toFixed(2)}.`;
  return (
    `Booked ${booking.course} on ${when} for ${booking.players} player${booking.players === 1 ? "" : "s"}. ` +
    `Confirmation ${booking.confirmationKey} (reservation ${booking.reservationId}).${due}`
  );
}

/** What a booking notes before it asks the site to reserve: enough to find its reservation afterwards. */
export interface BookingNote {
  course: string;
  players: number;
  teeSheetId: number;
  /** The golfer's upcoming reservation ids just before ReserveTeeTimes. */
  before: number[];
  /** When the note was written (epoch ms): a reservation may still appear until the site's hold would expire. */
  at: number;
  /** The tee time's local start ("YYYY-MM-DDTHH:MM"), when the site's pricing told it. */
  startTime?: string;
}

/** How long a CPS Golf site holds a locked tee time (about 10 minutes): a reserve in flight lands within it. */
export const SITE_HOLD_MS = 10 * 60_000;

/** Where one booking keeps its note (per request id: the handler binds it). */
export type BookingJournal = RequestJournal<BookingNote>;

/** The golf deps of one booking: the journal of its request, when it keeps one. */
export type BookingDeps = GolfDeps & { journal?: BookingJournal };

/**
 * A booking cut off without an answer (a crash, a timeout during ReserveTeeTimes), resolved by asking the site:
 * without a note it never reached the reservation step, so nothing was booked; with one, the golfer's reservations
 * now, against those before, say whether it was booked. Returns the booking when it was; throws what is true
 * otherwise.
 */
export async function resolveBooking(args: JsonObject, deps: BookingDeps): Promise<ToolResult> {
  const course = golfCourse(deps.courses, typeof args.course === "string" ? args.course : undefined);
  const note = await deps.journal?.read();
  // A scheduled booking names no tee time in its arguments: the journal knows which one it held.
  const teeSheetId = note?.teeSheetId ?? (typeof args.teeSheetId === "number" ? args.teeSheetId : undefined);
  const what =
    teeSheetId === undefined
      ? `the scheduled tee time at ${course.name}`
      : `tee time ${teeSheetId} at ${course.name}`;
  if (!note) {
    throw new BookingIncomplete(
      `The booking of ${what} was cut off before it asked the site to reserve, so nothing was booked. Try again.`,
      { upstream: "cps-golf" },
    );
  }
  const known = new Set(note.before);
  const fresh = (await upcomingReservations(course, deps)).filter(
    (reservation) => !known.has(reservation.reservationId),
  );
  // Only a reservation at this tee time's start is this booking's: the golfer may have booked others meanwhile
  // (another call cut off by the same crash, the site's own pages). Without the start, no new one can be claimed.
  const start = note.startTime;
  const matching = start
    ? fresh.filter(
        (reservation) =>
          reservation.startTime.slice(0, 16) === start &&
          (reservation.players === null || reservation.players === note.players),
      )
    : [];
  if (matching.length === 1 && matching[0]) {
    const found = matching[0];
    const booking: Booking = {
      course: course.name,
      teeSheetId: note.teeSheetId,
      startTime: found.startTime,
      players: note.players,
      reservationId: found.reservationId,
      confirmationKey: found.confirmationKey ?? "",
      totalDueAtCourse: null,
    };
    return {
      content: [
        {
          type: "text",
          text: `${render(booking)} (The booking step was cut off; the site confirms this reservation.)`,
        },
      ],
      structuredContent: booking as unknown as JsonObject,
    };
  }
  const ours = start ? matching : fresh;
  if (ours.length === 0) {
    if (deps.clock.now() - note.at < SITE_HOLD_MS) {
      // A reservation request the site has not finished may still land while its hold lasts: ask again later (the
      // workflow retries this), and never say "not booked" before it could be true.
      throw new UpstreamUnavailable(
        `The booking of ${what} was cut off while the site was reserving it. The site shows no new reservation yet, but its hold on the tee time has not expired, so it may still be booked. Check with golf_get_reservations in a few minutes before booking again.`,
        { upstream: "cps-golf" },
      );
    }
    throw new BookingIncomplete(
      `The booking of ${what} was cut off while the site was reserving it, and the site holds no reservation for it, so it was not booked. Try again.`,
      { upstream: "cps-golf" },
    );
  }
  throw new BookingIncomplete(
    `The booking of ${what} was cut off while the site was reserving it, and the golfer now has ${ours.length} new reservations there that could be it, so it may or may not be booked. Check with golf_get_reservations before booking again.`,
    { upstream: "cps-golf" },
  );
}
