import { UpstreamUnavailable, ValidationFailed } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool, ToolDefinition, ToolResult } from "../core/tool.ts";
import { PATTERNS } from "../core/validation.ts";
import { isNotOpenYet, notOpenYet, openingOf } from "./booking-rules.ts";
import { CpsGolfApi, type GolfCourse, type GolfDeps } from "./cps-golf.ts";
import { checkBookingDate, golfCourse } from "./golf-courses.ts";
import { dateString, localParts, timeOfDay, withOffset } from "./local-time.ts";

export const courseArgument = {
  type: "string",
  minLength: 1,
  maxLength: 100,
  description: "A configured course id or name; may be left out when the server has one bookable course",
} as const;

export const playersArgument = { type: "integer", minimum: 1, maximum: 4 } as const;
export const dateArgument = {
  type: "string",
  pattern: PATTERNS.date.pattern,
  description: "YYYY-MM-DD, local to the course",
} as const;
const timeArgument = (description: string) =>
  ({ type: "string", pattern: PATTERNS.timeOfDay.pattern, description }) as const;
/** The time-of-day window of a search (and of a scheduled booking). */
export const windowArguments = {
  startTime: timeArgument("Earliest tee time, HH:MM local"),
  endTime: timeArgument("Latest tee time, HH:MM local"),
} as const;
export const holesArgument = {
  type: "integer",
  enum: [9, 18],
  default: 18,
  description: "9 or 18 holes",
} as const;

const teeTime = {
  type: "object",
  properties: {
    teeSheetId: { type: "integer", description: "Pass to golf_book_tee_time" },
    startTime: { type: "string", description: "ISO 8601 with the course's offset" },
    holes: { type: "integer" },
    openSpots: { type: "integer" },
    price: { type: ["number", "null"], description: "Green fee per player, when the site lists one" },
  },
  required: ["teeSheetId", "startTime", "holes", "openSpots", "price"],
} as const;

export const golfSearchTeeTimesDefinition = {
  name: "golf_search_tee_times",
  title: "Search tee times",
  description:
    "Finds open tee times at a configured golf course on one date (YYYY-MM-DD, the course's local date), for 1-4 " +
    "players, optionally between a start and an end time of day (HH:MM, local). Courses take bookings a fixed " +
    "number of days ahead. Returns each tee time's teeSheetId (needed to book it), start time, holes, open " +
    "spots and green fee. Read-only: it books nothing.",
  inputSchema: {
    type: "object",
    properties: {
      course: courseArgument,
      date: dateArgument,
      players: { ...playersArgument, default: 1, description: "1-4 players who need a spot" },
      holes: holesArgument,
      ...windowArguments,
    },
    required: ["date"],
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: {
      course: { type: "string" },
      date: { type: "string" },
      teeTimes: { type: "array", items: teeTime },
    },
    required: ["course", "date", "teeTimes"],
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  runs: "workflow",
} as const satisfies ToolDefinition;

interface Slot {
  teeSheetId: number;
  startTime: string;
  holes?: number;
  availableParticipantNo: number[];
  shItemPrices?: { shItemCode?: string; price?: number }[];
}

export interface TeeTime {
  teeSheetId: number;
  startTime: string;
  holes: number;
  openSpots: number;
  price: number | null;
}

export interface SearchInput {
  date: string;
  players: number;
  holes: 9 | 18;
  startTime?: string;
  endTime?: string;
}

/** The slots of a TeeTimes answer: a bare array, or wrapped in `content`; `NO_TEETIMES` means none. */
function slotsOf(body: unknown, label: string): Slot[] {
  const list = Array.isArray(body) ? body : (body as { content?: unknown } | null)?.content;
  if (Array.isArray(list)) {
    return list.filter(
      (s): s is Slot =>
        typeof s?.teeSheetId === "number" &&
        typeof s.startTime === "string" &&
        Array.isArray(s.availableParticipantNo),
    );
  }
  if (JSON.stringify(body ?? "").includes("NO_TEETIMES")) return [];
  throw new UpstreamUnavailable(
    `${label} answered the search with data that cannot be read. Try again later.`,
    {
      upstream: "cps-golf",
    },
  );
}

function teeTimeOf(slot: Slot, input: SearchInput, course: GolfCourse): TeeTime | undefined {
  // availableParticipantNo lists the free seat positions ([3, 4] is two seats), not the counts that fit.
  if (slot.availableParticipantNo.length < input.players) return undefined;
  const fee = slot.shItemPrices?.find((p) => p.shItemCode === `GreenFee${input.holes}`);
  // A slot that lists prices but none for these holes cannot be played that way.
  if (slot.shItemPrices?.length && !fee) return undefined;
  if (!slot.shItemPrices?.length && slot.holes !== undefined && slot.holes !== input.holes) return undefined;
  const time = slot.startTime.slice(11, 16);
  if (input.startTime && time < input.startTime) return undefined;
  if (input.endTime && time > input.endTime) return undefined;
  return {
    teeSheetId: slot.teeSheetId,
    startTime: withOffset(slot.startTime, course.timeZone),
    holes: input.holes,
    openSpots: slot.availableParticipantNo.length,
    price: typeof fee?.price === "number" ? fee.price : null,
  };
}

export async function searchTeeTimes(
  course: GolfCourse,
  input: SearchInput,
  deps: GolfDeps,
): Promise<TeeTime[]> {
  const api = new CpsGolfApi(course, deps);
  const site = course.golf;
  const body = await api.get("TeeTimes", {
    searchDate: dateString(input.date),
    holes: "0",
    numberOfPlayer: String(input.players),
    courseIds: site.courseIds,
    searchTimeType: "0",
    teeSheetSearchView: "5",
    classCode: site.classCode,
    defaultOnlineRate: "N",
    isUseCapacityPricing: "false",
    memberStoreId: site.memberStoreId,
    searchType: "1",
  });
  const now = new Date(deps.clock.now());
  const local = localParts(course.timeZone, now);
  const nowTime = timeOfDay(local.hour, local.minute);
  return slotsOf(body, `The ${course.name} booking site`)
    .filter((slot) => slot.startTime.slice(0, 10) === input.date)
    .filter((slot) => input.date > local.date || slot.startTime.slice(11, 16) > nowTime)
    .map((slot) => teeTimeOf(slot, input, course))
    .filter((t): t is TeeTime => t !== undefined)
    .sort((a, b) => a.startTime.localeCompare(b.startTime));
}

const SHOWN = 25;

/** One tee time as a line of a tool's text: "- 08:10: 4 open spots, $45.00 per player (teeSheetId 982707)". */
export function teeTimeLine(t: TeeTime): string {
  const price = t.price === null ? "" : `, $${t.price.toFixed(2)} per player`;
  return `- ${t.startTime.slice(11, 16)}: ${t.openSpots} open spot${t.openSpots === 1 ? "" : "s"}${price} (teeSheetId ${t.teeSheetId})`;
}

function render(course: GolfCourse, input: SearchInput, teeTimes: TeeTime[]): string {
  const who = `${input.players} player${input.players === 1 ? "" : "s"}, ${input.holes} holes`;
  const window =
    input.startTime || input.endTime
      ? ` between ${input.startTime ?? "first light"} and ${input.endTime ?? "dusk"}`
      : "";
  if (teeTimes.length === 0) {
    return `No open tee times at ${course.name} on ${input.date}${window} for ${who}. Try another time window or date.`;
  }
  const lines = [`${teeTimes.length} open tee times at ${course.name} on ${input.date}${window} for ${who}:`];
  for (const t of teeTimes.slice(0, SHOWN)) lines.push(teeTimeLine(t));
  if (teeTimes.length > SHOWN)
    lines.push(`... and ${teeTimes.length - SHOWN} more in the structured result.`);
  return lines.join("\n");
}

/** golf_search_tee_times: one date's open tee times at a course, filtered by window, players and holes. */
export const golfSearchTeeTimes: ExecutableTool<GolfDeps> = {
  definition: golfSearchTeeTimesDefinition,
  summarize(result: ToolResult): string {
    const found = (result.structuredContent?.teeTimes as unknown[] | undefined)?.length ?? 0;
    return `${found} tee times found`;
  },
  async execute(args: JsonObject, deps: GolfDeps): Promise<ToolResult> {
    const course = golfCourse(deps.courses, typeof args.course === "string" ? args.course : undefined);
    const input: SearchInput = {
      date: String(args.date),
      players: typeof args.players === "number" ? args.players : 1,
      holes: args.holes === 9 ? 9 : 18,
    };
    if (typeof args.startTime === "string") input.startTime = args.startTime;
    if (typeof args.endTime === "string") input.endTime = args.endTime;
    if (input.startTime && input.endTime && input.endTime < input.startTime) {
      throw new ValidationFailed(
        `The end time ${input.endTime} is before the start time ${input.startTime}.`,
      );
    }
    checkBookingDate(course, input.date, new Date(deps.clock.now()));
    const opening = await openingOf(course, deps, input.date);
    if (!opening.open) throw notOpenYet(course, input.date, opening);
    let teeTimes: TeeTime[];
    try {
      teeTimes = await searchTeeTimes(course, input, deps);
    } catch (error) {
      // The site is the judge: its rules may have changed since they were read.
      if (isNotOpenYet(error)) throw notOpenYet(course, input.date, opening);
      throw error;
    }
    const structured = { course: course.name, date: input.date, teeTimes } as unknown as JsonObject;
    const result: ToolResult = {
      content: [{ type: "text", text: render(course, input, teeTimes) }],
      structuredContent: structured,
    };
    if (teeTimes.length === 0) result.isError = true;
    return result;
  },
};
