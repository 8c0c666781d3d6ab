import { isRetriedFailure, OutcomeUnknown, UpstreamRejected, ValidationFailed } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { RequestJournal } from "../core/ports.ts";
import type { ExecutableTool, ToolDefinition, ToolResult } from "../core/tool.ts";
import { CpsGolfApi, type GolfCourse, type GolfDeps } from "./cps-golf.ts";
import { golfCourse } from "./golf-courses.ts";
import { type Item, upcomingItems } from "./golf-get-reservations.ts";
import { courseArgument } from "./golf-search-tee-times.ts";
import { withOffset } from "./local-time.ts";

export const golfCancelReservationDefinition = {
  name: "golf_cancel_reservation",
  title: "Cancel a tee time reservation",
  description:
    "Cancels one of the golfer's upcoming reservations on the course's site, by the reservationId " +
    "golf_get_reservations gives. Destructive: confirm the reservation (course, date, time) with the person first. " +
    "Cancelled once per request: sending the same request again does not cancel anything else. Course rules on " +
    "late cancellations and no-shows are the course's.",
  inputSchema: {
    type: "object",
    properties: {
      course: courseArgument,
      reservationId: { type: "integer", minimum: 1, description: "From golf_get_reservations" },
    },
    required: ["reservationId"],
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: {
      reservationId: { type: "integer" },
      course: { type: "string" },
      startTime: { type: "string" },
      players: { type: ["integer", "null"] },
      cancellationIds: { type: "array", items: { type: ["integer", "string"] } },
    },
    required: ["reservationId", "course", "startTime", "players", "cancellationIds"],
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  runs: "workflow",
  effect: {
    unknown: "the reservation may or may not be cancelled",
    check: "Check with golf_get_reservations before trying again.",
  },
} as const satisfies ToolDefinition;

export interface Cancellation {
  reservationId: number;
  course: string;
  startTime: string;
  players: number | null;
  cancellationIds: (number | string)[];
}

/** A reservation's booking ids: listed directly by some sites, per player in reservationDetail by others. */
function bookingIdsOf(item: Item): number[] {
  if (Array.isArray(item.bookingIds))
    return item.bookingIds.filter((id): id is number => typeof id === "number");
  return (item.reservationDetail ?? [])
    .map((detail) => detail.bookingId)
    .filter((id): id is number => typeof id === "number");
}

/** What a cancellation notes before it sends CancelReservation: enough to recognise it afterwards. */
export interface CancelNote {
  reservationId: number;
  startTime: string;
  players: number | null;
  /** When it was sent (epoch ms). */
  at: number;
}

/** The golf deps of one cancellation: the journal of its request, when it keeps one. */
export type CancelDeps = GolfDeps & { journal?: RequestJournal<CancelNote> };

/**
 * A cancellation this request already sent (its journal says so), run again (after a crash, past its idempotency
 * window): never sent a second time. Gone from the golfer's upcoming reservations, it took effect; still listed, the
 * earlier send did not (or not yet), and the person is told so.
 */
async function alreadySent(note: CancelNote, course: GolfCourse, upcoming: Item[]): Promise<ToolResult> {
  if (upcoming.some((i) => i.reservationId === note.reservationId)) {
    throw new OutcomeUnknown(
      `An earlier attempt of this request sent the cancellation of reservation ${note.reservationId}, but the ` +
        `${course.name} site still lists it; it was not sent again. Check with golf_get_reservations, and cancel it ` +
        "with a new request if it is still there.",
      { upstream: "cps-golf" },
    );
  }
  const cancellation: Cancellation = {
    reservationId: note.reservationId,
    course: course.name,
    startTime: withOffset(note.startTime, course.timeZone),
    players: note.players,
    cancellationIds: [],
  };
  return rendered(cancellation, " (This request's earlier attempt sent it; the site no longer lists it.)");
}

/**
 * golf_cancel_reservation: finds the reservation among the golfer's upcoming ones (so only the signed-in golfer's
 * own can be named), notes it in the request's journal, then sends CancelReservation once. Anything before that
 * send is retryable; the send itself, once it may have reached the site, is never repeated (OutcomeUnknown), nor
 * by a later run of the same request, which finds the note.
 */
export const golfCancelReservation: ExecutableTool<CancelDeps> = {
  definition: golfCancelReservationDefinition,
  summarize(result: ToolResult): string {
    const cancelled = result.structuredContent as unknown as Cancellation | undefined;
    return cancelled ? `cancelled reservation ${cancelled.reservationId}` : "cancelled";
  },
  async execute(args: JsonObject, deps: CancelDeps): Promise<ToolResult> {
    const course = golfCourse(deps.courses, typeof args.course === "string" ? args.course : undefined);
    const reservationId = Number(args.reservationId);
    const api = new CpsGolfApi(course, deps);
    const golfer = await api.golfer();
    const upcoming = await upcomingItems(api);
    const sent = await deps.journal?.read();
    if (sent) return alreadySent(sent, course, upcoming);
    const item = upcoming.find((i) => i.reservationId === reservationId);
    if (!item || typeof item.startTime !== "string") {
      throw new ValidationFailed(
        `Reservation ${reservationId} is not among the golfer's upcoming reservations at ${course.name} ` +
          "(already cancelled, past, or at another course). golf_get_reservations lists them.",
      );
    }
    const bookingIds = bookingIdsOf(item);
    if (bookingIds.length === 0) {
      throw new UpstreamRejected(
        `The ${course.name} booking site lists reservation ${reservationId} without its booking ids, so it cannot ` +
          `be cancelled here. Cancel it on the site: ${api.cancelUrl}`,
        { upstream: "cps-golf" },
      );
    }
    const players = typeof item.numberOfPlayer === "number" ? item.numberOfPlayer : null;
    await deps.journal?.note({ reservationId, startTime: item.startTime, players, at: deps.clock.now() });
    let answer: { isSuccess?: unknown; errors?: unknown; data?: { cancellationIds?: unknown } | null } | null;
    try {
      answer = (await api.post("CancelReservation", {
        bookingIds,
        courseId: Number(course.golf.courseIds.split(",")[0]),
        golferId: golfer.golferId,
        reasonId: 0,
        cancellationIds: [],
        cancelDetail: {
          teeTime: item.startTime,
          holes: typeof item.holes === "number" ? item.holes : 18,
          reservationId,
          teeSheetId: typeof item.teeSheetId === "number" ? item.teeSheetId : null,
          numberOfPlayer: players ?? bookingIds.length,
          playerNameList: [],
        },
      })) as typeof answer;
    } catch (error) {
      // Sent and unanswered: the site may have cancelled it. Never sent again from here.
      if (isRetriedFailure(error) && error.details.delivered !== "no") {
        throw new OutcomeUnknown(
          `The ${course.name} booking site did not answer the cancellation of reservation ${reservationId}, so it ` +
            "may or may not be cancelled. Check with golf_get_reservations before trying again.",
          error.details,
        );
      }
      throw error;
    }
    if (answer?.isSuccess !== true) {
      const errors = Array.isArray(answer?.errors) ? answer.errors.filter((e) => typeof e === "string") : [];
      throw new UpstreamRejected(
        `The ${course.name} booking site refused to cancel reservation ${reservationId}` +
          `${errors.length ? `: ${errors.join("; ").slice(0, 200)}` : "."} It is still booked; the site's own ` +
          `page can cancel it: ${api.cancelUrl}`,
        { upstream: "cps-golf" },
      );
    }
    const ids = answer.data?.cancellationIds;
    const cancellation: Cancellation = {
      reservationId,
      course: course.name,
      startTime: withOffset(item.startTime, course.timeZone),
      players,
      cancellationIds: Array.isArray(ids) ? ids.filter((id) => ["number", "string"].includes(typeof id)) : [],
    };
    return rendered(cancellation);
  },
};

function rendered(cancellation: Cancellation, note = ""): ToolResult {
  const { reservationId, course, startTime, players } = cancellation;
  const who = players === null ? "" : ` for ${players} player${players === 1 ? "" : "s"}`;
  return {
    content: [
      {
        type: "text",
        text: `Cancelled reservation ${reservationId} at ${course} on ${startTime.slice(0, 10)} at ${startTime.slice(11, 16)}${who}.${note}`,
      },
    ],
    structuredContent: cancellation as unknown as JsonObject,
  };
}
