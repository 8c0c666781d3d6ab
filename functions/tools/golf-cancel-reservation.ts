import { isRetriedFailure, OutcomeUnknown, UpstreamRejected, ValidationFailed } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool, ToolDefinition, ToolResult } from "../core/tool.ts";
import { CpsGolfApi, type GolfDeps } from "./cps-golf.ts";
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

/**
 * golf_cancel_reservation: finds the reservation among the golfer's upcoming ones (so only the signed-in golfer's
 * own can be named), then sends CancelReservation once. Anything before that send is retryable; the send itself,
 * once it may have reached the site, is never repeated (OutcomeUnknown).
 */
export const golfCancelReservation: ExecutableTool<GolfDeps> = {
  definition: golfCancelReservationDefinition,
  summarize(result: ToolResult): string {
    const cancelled = result.structuredContent as unknown as Cancellation | undefined;
    return cancelled ? `cancelled reservation ${cancelled.reservationId}` : "cancelled";
  },
  async execute(args: JsonObject, deps: GolfDeps): Promise<ToolResult> {
    const course = golfCourse(deps.courses, typeof args.course === "string" ? args.course : undefined);
    const reservationId = Number(args.reservationId);
    const api = new CpsGolfApi(course, deps);
    const golfer = await api.golfer();
    const item = (await upcomingItems(api)).find((i) => i.reservationId === reservationId);
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
    const who = players === null ? "" : ` for ${players} player${players === 1 ? "" : "s"}`;
    return {
      content: [
        {
          type: "text",
          text: `Cancelled reservation ${reservationId} at ${course.name} on ${cancellation.startTime.slice(0, 10)} at ${cancellation.startTime.slice(11, 16)}${who}.`,
        },
      ],
      structuredContent: cancellation as unknown as JsonObject,
    };
  },
};
