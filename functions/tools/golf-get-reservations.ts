import { UpstreamUnavailable } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool, ToolDefinition, ToolResult } from "../core/tool.ts";
import { CpsGolfApi, type GolfCourse, type GolfDeps } from "./cps-golf.ts";
import { golfCourse, golfCourses } from "./golf-courses.ts";
import { courseArgument } from "./golf-search-tee-times.ts";
import { withOffset } from "./local-time.ts";

export const golfGetReservationsDefinition = {
  name: "golf_get_reservations",
  title: "Upcoming tee time reservations",
  description:
    "Lists the golfer's upcoming reservations, soonest first, at one configured course or (with no course given) " +
    "at every course that takes bookings. Each has its reservationId (golf_cancel_reservation cancels by it), " +
    "confirmation key, start time, players and the link where the person can also cancel it on the course's site.",
  inputSchema: {
    type: "object",
    properties: {
      course: { ...courseArgument, description: "A configured course id or name; all when left out" },
    },
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: {
      reservations: {
        type: "array",
        items: {
          type: "object",
          properties: {
            reservationId: { type: "integer" },
            confirmationKey: { type: ["string", "null"] },
            course: { type: "string" },
            startTime: { type: "string" },
            players: { type: ["integer", "null"] },
            cancelUrl: { type: "string" },
          },
          required: ["reservationId", "confirmationKey", "course", "startTime", "players", "cancelUrl"],
        },
      },
    },
    required: ["reservations"],
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  runs: "workflow",
} as const satisfies ToolDefinition;

export interface Reservation {
  reservationId: number;
  confirmationKey: string | null;
  course: string;
  startTime: string;
  players: number | null;
  cancelUrl: string;
}

/** An UpcomingReservation item, as sites answer it (fields vary; each is checked where it is used). */
export interface Item {
  reservationId?: unknown;
  startTime?: unknown;
  courseName?: unknown;
  numberOfPlayer?: unknown;
  reservationConfirmKey?: unknown;
  teeSheetId?: unknown;
  holes?: unknown;
  bookingIds?: unknown;
  reservationDetail?: { bookingId?: unknown }[];
}

/** A bound on pages followed, in case a site reports more pages than it has. */
const MAX_PAGES = 20;

/** Every page of the signed-in golfer's upcoming reservations, as the site lists them. */
export async function upcomingItems(api: CpsGolfApi): Promise<Item[]> {
  const golfer = await api.golfer();
  const items: Item[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = (await api.upcomingReservations(golfer, page)) as {
      items?: unknown;
      totalPages?: unknown;
    } | null;
    if (!answer || !Array.isArray(answer.items)) {
      throw new UpstreamUnavailable(
        `The ${api.course.name} booking site answered with reservations that cannot be read.`,
        { upstream: "cps-golf" },
      );
    }
    items.push(...(answer.items as Item[]));
    const pages = typeof answer.totalPages === "number" ? answer.totalPages : 1;
    if (page >= pages || answer.items.length === 0) break;
  }
  return items;
}

/** The golfer's upcoming reservations at a course, every page, past ones left out. */
export async function upcomingReservations(
  course: GolfCourse,
  deps: GolfDeps,
  api = new CpsGolfApi(course, deps),
): Promise<Reservation[]> {
  const items = await upcomingItems(api);
  const now = deps.clock.now();
  return items
    .filter((item) => typeof item.reservationId === "number" && typeof item.startTime === "string")
    .map((item) => ({
      reservationId: item.reservationId as number,
      confirmationKey: typeof item.reservationConfirmKey === "string" ? item.reservationConfirmKey : null,
      course: typeof item.courseName === "string" && item.courseName ? item.courseName : course.name,
      startTime: withOffset(item.startTime as string, course.timeZone),
      players: typeof item.numberOfPlayer === "number" ? item.numberOfPlayer : null,
      cancelUrl: api.cancelUrl,
    }))
    .filter((reservation) => Date.parse(reservation.startTime) >= now);
}

function render(reservations: Reservation[]): string {
  if (reservations.length === 0) return "No upcoming reservations.";
  const lines = [`${reservations.length} upcoming reservation${reservations.length === 1 ? "" : "s"}:`];
  for (const r of reservations) {
    const players = r.players === null ? "" : ` for ${r.players} player${r.players === 1 ? "" : "s"}`;
    const key = r.confirmationKey ? `, confirmation ${r.confirmationKey}` : "";
    lines.push(
      `- ${r.course}, ${r.startTime.slice(0, 10)} at ${r.startTime.slice(11, 16)}${players}${key}: reservation ${r.reservationId}. Cancel: ${r.cancelUrl}`,
    );
  }
  lines.push("golf_cancel_reservation cancels one by its reservation id.");
  return lines.join("\n");
}

/** golf_get_reservations: every page of upcoming reservations, past ones left out, soonest first. */
export const golfGetReservations: ExecutableTool<GolfDeps> = {
  definition: golfGetReservationsDefinition,
  summarize(result: ToolResult): string {
    const count = (result.structuredContent?.reservations as unknown[] | undefined)?.length ?? 0;
    return `${count} upcoming reservations`;
  },
  async execute(args: JsonObject, deps: GolfDeps): Promise<ToolResult> {
    const courses =
      typeof args.course === "string" ? [golfCourse(deps.courses, args.course)] : golfCourses(deps.courses);
    const lists = await Promise.all(courses.map((course) => upcomingReservations(course, deps)));
    const reservations = lists.flat().sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
    return {
      content: [{ type: "text", text: render(reservations) }],
      structuredContent: { reservations } as unknown as JsonObject,
    };
  },
};
