import { UpstreamRejected, UpstreamUnavailable, ValidationFailed } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool, ToolDefinition, ToolResult } from "../core/tool.ts";
import { isNotOpenYet } from "./booking-rules.ts";
import type { GolfDeps } from "./cps-golf.ts";
import {
  checkScheduledDate,
  golfBookWhenOpenDefinition,
  type Plan,
  RACE_WINDOW_MS,
  ranked,
  SCHEDULED_BOOKING,
  wantOf,
} from "./golf-book-when-open.ts";
import { golfCourse } from "./golf-courses.ts";
import { searchTeeTimes, type TeeTime, teeTimeLine } from "./golf-search-tee-times.ts";
import { addDays, withOffset } from "./local-time.ts";

const { course, date, players, holes, startTime, endTime, preference, closestTo, maxPrice } =
  golfBookWhenOpenDefinition.inputSchema.properties;

export const golfWatchTeeTimesDefinition = {
  name: "golf_watch_tee_times",
  title: "Watch for a tee time to open up",
  description:
    "Watches a date that is open but full (or not open yet) until a deadline, checking politely (at once, then " +
    "every minute, less often as it goes on, at most every 15 minutes), and books the first tee time that opens " +
    "in the window (book: true, the default) or only says it is open (book: false). Answers at once; the outcome, a " +
    "push notification and an event come when a time opens or the deadline passes. list_requests shows it, " +
    "cancel_request stops it. Booking is destructive: confirm the details with the person first.",
  inputSchema: {
    type: "object",
    properties: {
      course,
      date,
      players,
      holes,
      startTime,
      endTime,
      preference,
      closestTo,
      maxPrice,
      until: {
        type: "string",
        format: "date-time",
        description:
          "When to stop watching: an ISO 8601 date-time with its offset (seconds included), at the latest the end of the watched date",
      },
      book: {
        type: "boolean",
        default: true,
        description: "Book the first match (true) or only report it (false)",
      },
    },
    required: ["date", "until"],
    additionalProperties: false,
  },
  ...SCHEDULED_BOOKING,
} as const satisfies ToolDefinition;

/** The first check comes at once; then every minute, 25% less often after each empty one, to at most 15 minutes. */
export const WATCH_CADENCE = { firstMs: 60_000, growth: 1.25, maxMs: 15 * 60_000 };
/**
 * Step Functions fails an execution whose history passes 25,000 events. A watch plans within this many, leaving the
 * rest for retries; the booking (or the deadline's failure) after the last check takes about 50.
 */
export const WATCH_HISTORY_BUDGET = 20_000;
/**
 * The history events one check writes on the scheduled-booking machine: Check (a Task: entered, scheduled, started,
 * succeeded, exited), Record watch (a Task, 5), Found? (a Choice, 2) and the Wait (2). The local runner counts them
 * as Step Functions does, and a test checks this figure against it.
 */
export const EVENTS_PER_CHECK = 14;
/** The most checks one watch makes: its cadence is never shorter than its span over this many, and it stops there. */
export const MAX_CHECKS = Math.floor((WATCH_HISTORY_BUDGET - 400) / EVENTS_PER_CHECK);

/** What one check found, and when the next is due; the state machine loops on it. */
export interface WatchState {
  checks: number;
  /** When the first check ran (epoch ms): the watch's span runs from here to its deadline. */
  since: number;
  found: boolean;
  /** Whether the found tee time is to be booked (the race follows) or only reported (its result is ready). */
  book: boolean;
  nextAt: string;
  statusMessage: string;
  plan: Plan;
  /** With `found && !book`: the call's result, as a tool's Task returns it. */
  outcome?: { resultJson: string; summary: string; durationMs: number };
}

/**
 * The cadence after `checks` empty checks, within a watch of `spanMs`: never under a minute, never shorter than the
 * span over MAX_CHECKS. `scale` shrinks it all (tests make the minute milliseconds); it is never zero.
 */
export function cadenceMs(checks: number, spanMs: number, scale = 1): number {
  const { firstMs, growth, maxMs } = WATCH_CADENCE;
  const grown = Math.min(maxMs, firstMs * growth ** Math.max(0, checks - 1));
  return Math.max(1, Math.ceil(scale * Math.max(firstMs, grown, spanMs / MAX_CHECKS)));
}

function render(found: TeeTime[], courseName: string, watchedDate: string): string {
  const lines = [
    `${found.length} matching tee time${found.length === 1 ? "" : "s"} opened at ${courseName} on ${watchedDate}:`,
  ];
  for (const t of found.slice(0, 10)) lines.push(teeTimeLine(t));
  lines.push("Nothing was booked (book: false): golf_book_tee_time books one.");
  return lines.join("\n");
}

/**
 * One check of a watch: a search; a match ends the watch (booked by the race that follows, or reported); none
 * schedules the next check, or ends the watch at its deadline. The site's "not open yet" and a site that does not
 * answer count as nothing found this time.
 */
export const checkWatch: ExecutableTool<GolfDeps & { watchCadenceScale?: number }> = {
  definition: golfWatchTeeTimesDefinition,
  summarize: () => "checked",
  async execute(args: JsonObject, deps): Promise<ToolResult> {
    const golf = golfCourse(deps.courses, typeof args.course === "string" ? args.course : undefined);
    const want = wantOf(args);
    const now = deps.clock.now();
    const until = Date.parse(String(args.until));
    if (Number.isNaN(until))
      throw new ValidationFailed(`"until" must be an ISO 8601 date-time with its offset.`);
    const previous = args.watch as unknown as WatchState | undefined;
    const checks = (previous?.checks ?? 0) + 1;
    const since = previous?.since ?? now;
    if (checks === 1) {
      checkScheduledDate(golf, want.date, now);
      if (until <= now) throw new ValidationFailed(`"until" (${args.until}) has already passed.`);
      const dayEnds = Date.parse(withOffset(`${addDays(want.date, 1)}T00:00:00`, golf.timeZone));
      if (until > dayEnds) {
        throw new ValidationFailed(
          `"until" (${args.until}) is after ${want.date} ends at ${golf.name} (${new Date(dayEnds).toISOString()}): a watch ends by the end of the day it watches.`,
        );
      }
    }
    let found: TeeTime[] = [];
    try {
      found = ranked(await searchTeeTimes(golf, want, deps), want);
    } catch (error) {
      if (!isNotOpenYet(error) && !(error instanceof UpstreamUnavailable)) throw error;
    }
    const book = args.book !== false;
    const plan: Plan = {
      release: false,
      opensAt: new Date(now).toISOString(),
      wakeAt: new Date(now).toISOString(),
      raceWakeAt: new Date(now).toISOString(),
      siteAheadMs: 0,
      deadline: new Date(Math.min(until, now + RACE_WINDOW_MS)).toISOString(),
      statusMessage: "",
    };
    if (found.length > 0) {
      const state: WatchState = {
        checks,
        since,
        found: true,
        book,
        nextAt: new Date(now).toISOString(),
        statusMessage: `Watching ${golf.name} on ${want.date}: a matching tee time opened at check ${checks}${book ? "; booking it" : ""}.`,
        plan,
      };
      if (!book) {
        const result: ToolResult = {
          content: [{ type: "text", text: render(found, golf.name, want.date) }],
          structuredContent: { course: golf.name, date: want.date, teeTimes: found } as unknown as JsonObject,
        };
        state.outcome = {
          resultJson: JSON.stringify(result),
          summary: `${found.length} matching tee times opened`,
          durationMs: now - since,
        };
      }
      return {
        content: [{ type: "text", text: state.statusMessage }],
        structuredContent: state as unknown as JsonObject,
      };
    }
    const next = now + cadenceMs(checks, until - since, deps.watchCadenceScale);
    if (next >= until || checks >= MAX_CHECKS) {
      const by = next >= until ? `by ${args.until}` : `in ${checks} checks, the most one watch makes`;
      throw new UpstreamRejected(
        `Nothing matching opened at ${golf.name} on ${want.date} ${by} (${checks} checks). Nothing was booked. ` +
          "golf_search_tee_times shows what is open now; golf_watch_tee_times watches again.",
        { upstream: "cps-golf" },
      );
    }
    const state: WatchState = {
      checks,
      since,
      found: false,
      book,
      nextAt: new Date(next).toISOString(),
      statusMessage:
        `Watching ${golf.name} on ${want.date} for ${describe(want.players)} until ${args.until}: ` +
        `${checks} check${checks === 1 ? "" : "s"} so far, nothing open yet; next at ${new Date(next).toISOString()}.` +
        (book ? " The first match is booked." : " The first match is reported, not booked."),
      plan,
    };
    return {
      content: [{ type: "text", text: state.statusMessage }],
      structuredContent: state as unknown as JsonObject,
    };
  },
};

const describe = (count: number) => `${count} player${count === 1 ? "" : "s"}`;
