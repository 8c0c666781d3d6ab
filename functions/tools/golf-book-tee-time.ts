import { confirmBefore } from "../core/confirmation.ts";
import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool, ToolDefinition, ToolResult } from "../core/tool.ts";
import { Booker, type BookingRequest } from "./booker.ts";
import { type Booking, type BookingDeps, render } from "./booking.ts";
import { planOfBooking } from "./booking-plans.ts";
import { golfCourse } from "./golf-courses.ts";
import { courseArgument, holesArgument, playersArgument } from "./golf-search-tee-times.ts";

export { type BookingRequest, bookTeeSheet } from "./booker.ts";
export {
  type Booking,
  type BookingDeps,
  type BookingJournal,
  type BookingNote,
  render,
  resolveBooking,
  SITE_HOLD_MS,
} from "./booking.ts";

export const golfBookTeeTimeDefinition = {
  name: "golf_book_tee_time",
  title: "Book a tee time",
  description:
    "Books one tee time found by golf_search_tee_times, for 1-4 players, in the name of the golfer signed in on " +
    "the server. Payment is at the course. Returns the reservation id, the confirmation key, the start time and " +
    "the total due at the course. Each request books at most once (re-sending it returns the first booking), " +
    "but a new request books again: confirm with the person before calling.",
  inputSchema: {
    type: "object",
    properties: {
      course: courseArgument,
      teeSheetId: { type: "integer", minimum: 1, description: "The teeSheetId of a search result" },
      players: { ...playersArgument, description: "1-4 players to book" },
      holes: holesArgument,
    },
    required: ["teeSheetId", "players"],
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: {
      course: { type: "string" },
      teeSheetId: { type: "integer" },
      startTime: { type: ["string", "null"], description: "ISO 8601 with the course's offset" },
      players: { type: "integer" },
      reservationId: { type: "integer" },
      confirmationKey: { type: "string" },
      totalDueAtCourse: { type: ["number", "null"] },
    },
    required: [
      "course",
      "teeSheetId",
      "startTime",
      "players",
      "reservationId",
      "confirmationKey",
      "totalDueAtCourse",
    ],
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  runs: "workflow",
  notifies: true,
  gather: confirmBefore(planOfBooking),
  effect: {
    unknown: "the tee time may or may not be booked",
    check: "Check with golf_get_reservations before booking again.",
    resolves: true,
  },
} as const satisfies ToolDefinition;

/** golf_book_tee_time: lock → price → (register) → reserve, honouring the player count. */
export const golfBookTeeTime: ExecutableTool<BookingDeps> = {
  definition: golfBookTeeTimeDefinition,
  summarize(result: ToolResult): string {
    const b = result.structuredContent as unknown as Booking | undefined;
    if (!b) return "tee time booked";
    const when = b.startTime ? ` on ${b.startTime.slice(0, 10)} at ${b.startTime.slice(11, 16)}` : "";
    return `Booked ${b.course}${when} for ${b.players} player${b.players === 1 ? "" : "s"}`;
  },
  async execute(args: JsonObject, deps: BookingDeps): Promise<ToolResult> {
    const course = golfCourse(deps.courses, typeof args.course === "string" ? args.course : undefined);
    const request: BookingRequest = {
      teeSheetId: Number(args.teeSheetId),
      players: Number(args.players),
      holes: args.holes === 9 ? 9 : 18,
    };
    const booking = await new Booker(course, request, deps).book(deps.journal);
    return {
      content: [{ type: "text", text: render(booking) }],
      structuredContent: booking as unknown as JsonObject,
    };
  },
};
