import { confirmBefore } from "../core/confirmation.ts";
import { ValidationFailed } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool, ToolDefinition, ToolResult } from "../core/tool.ts";
import { PATTERNS } from "../core/validation.ts";
import { planOfSchedule } from "./booking-plans.ts";
import { openingOf } from "./booking-rules.ts";
import { CpsGolfApi, type GolfCourse, type GolfDeps } from "./cps-golf.ts";
import {
  type BookingDeps,
  golfBookTeeTime,
  golfBookTeeTimeDefinition,
  render,
  resolveBooking,
} from "./golf-book-tee-time.ts";
import { checkBookingDate, golfCourse } from "./golf-courses.ts";
import {
  courseArgument,
  dateArgument,
  holesArgument,
  playersArgument,
  windowArguments,
} from "./golf-search-tee-times.ts";
import { addDays, localParts } from "./local-time.ts";
import { type Plan, race, sleep, type Want, wantOf } from "./release-race.ts";
import { SITE_CLOCK_PROBES, SITE_CLOCK_TARGET_MS } from "./site-clock.ts";

export { type Plan, ranked, type Want, wantOf } from "./release-race.ts";

/** How far ahead a scheduled booking or a watch may reach: a date (or a deadline) past it is refused. */
export const HORIZON_DAYS = 365;
const DAY_MS = 86_400_000;

/**
 * The latest instant a scheduled call may act: its date's end in any time zone (a release and its race come before
 * the tee date ends), or a watch's deadline; never past the horizon.
 */
export function scheduledActsUntil(args: JsonObject, now: number): number {
  const dateEnd = Date.parse(`${String(args.date)}T00:00:00Z`) + 2 * DAY_MS;
  const until = typeof args.until === "string" ? Date.parse(args.until) : Number.NaN;
  const latest = Math.max(now, dateEnd || now, until || now);
  return Math.min(latest, now + (HORIZON_DAYS + 2) * DAY_MS);
}

/** A scheduled call's date: a real day, not past, and within the horizon. */
export function checkScheduledDate(course: GolfCourse, date: string, now: number): void {
  checkBookingDate(course, date, new Date(now));
  const last = addDays(localParts(course.timeZone, new Date(now)).date, HORIZON_DAYS);
  if (date > last) {
    throw new ValidationFailed(
      `${date} is more than ${HORIZON_DAYS} days ahead (the last date that can be scheduled at ${course.name} is ${last}).`,
    );
  }
}

/** What the scheduled golf tools share: a booking's result, its honesty rules, and the scheduled-booking machine. */
export const SCHEDULED_BOOKING = {
  actsUntil: scheduledActsUntil,
  outputSchema: golfBookTeeTimeDefinition.outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  runs: "workflow",
  workflow: "scheduled",
  notifies: true,
  gather: confirmBefore(planOfSchedule),
  effect: {
    unknown: "the tee time may or may not be booked",
    check: "Check with golf_get_reservations before booking again.",
    resolves: true,
  },
} as const;

export const golfBookWhenOpenDefinition = {
  name: "golf_book_when_open",
  title: "Book a tee time the moment its date opens",
  description:
    "Schedules a booking for a date the course has not opened yet (or books at once if it has): at the second the " +
    "course releases the date, the server books the best open tee time in the window, once, even while nobody is " +
    "awake. Answers at once with the plan (when the date opens, course time and UTC). The result, a push " +
    "notification and an event follow at the release; list_requests shows it meanwhile, cancel_request stops it " +
    "before the release. Destructive: confirm the course, date, window and players with the person first.",
  inputSchema: {
    type: "object",
    properties: {
      course: courseArgument,
      date: dateArgument,
      players: { ...playersArgument, default: 1, description: "1-4 players, all in the same tee time" },
      holes: holesArgument,
      ...windowArguments,
      preference: {
        type: "string",
        enum: ["earliest", "latest", "closest"],
        default: "earliest",
        description: "Which open tee time to take first: earliest, latest, or closest to closestTo",
      },
      closestTo: {
        type: "string",
        pattern: PATTERNS.timeOfDay.pattern,
        description: "HH:MM local, with preference closest",
      },
      maxPrice: {
        type: "number",
        minimum: 0,
        description:
          "Highest green fee per player; tee times above it (or without a listed price) are skipped",
      },
    },
    required: ["date"],
    additionalProperties: false,
  },
  ...SCHEDULED_BOOKING,
} as const satisfies ToolDefinition;

/** How long before the release the execution wakes to sign in, read the rules again and learn the site's clock. */
export const WARM_UP_LEAD_MS = 60_000;
/**
 * Warm-ups spread over this much more, at random, so many bookings for one release do not all reach the site in the
 * same second (each process paces its own requests; on AWS many function instances run at once).
 */
export const WARM_UP_SPREAD_MS = 30_000;
/**
 * How long before the release the race function is woken. What comes between the Wait state and the function's
 * first line on AWS (the Wait firing up to a second late, a state transition, a DynamoDB write, a Lambda invoke,
 * a cold start) takes well under this; the function then waits in-process for the site's release instant, so
 * none of that jitter is on the path from the release to the reservation.
 */
export const RACE_LEAD_MS = 5_000;
/** How long after the release the race goes on trying (popular morning times go within a minute). */
export const RACE_WINDOW_MS = 2 * 60_000;
function describeWant(want: Want): string {
  const window =
    want.startTime || want.endTime
      ? ` between ${want.startTime ?? "first light"} and ${want.endTime ?? "dusk"}`
      : "";
  const pick = want.preference === "closest" ? `closest to ${want.closestTo}` : want.preference;
  const price = want.maxPrice === undefined ? "" : `, at most $${want.maxPrice.toFixed(2)} per player`;
  return `the ${pick} tee time${window} for ${want.players} player${want.players === 1 ? "" : "s"} (${want.holes} holes${price})`;
}

async function planFor(
  course: GolfCourse,
  want: Want,
  deps: GolfDeps,
  now: number,
  spreadMs = 0,
): Promise<Plan> {
  checkScheduledDate(course, want.date, now);
  const opening = await openingOf(course, deps, want.date);
  const opensAtMs = Date.parse(opening.opensAt);
  const siteAheadMs = new CpsGolfApi(course, deps).clock.aheadMs;
  /** The release by our clock. */
  const releaseHere = opensAtMs - siteAheadMs;
  const local = `${opening.opensAt.slice(0, 10)} at ${opening.opensAt.slice(11, 16)} course time`;
  const statusMessage = opening.open
    ? `${course.name} has opened ${want.date}: booking ${describeWant(want)} now.`
    : `Scheduled: ${course.name} opens ${want.date} for booking on ${local} (${new Date(opensAtMs).toISOString()}, ` +
      `by ${opening.rules.from === "site" ? "the site's booking rules" : "the course settings"}). At that second ` +
      `the server books ${describeWant(want)}. cancel_request stops it until ${RACE_LEAD_MS / 1000} seconds before.`;
  const start = Math.max(now, opensAtMs);
  return {
    release: !opening.open,
    opensAt: new Date(start).toISOString(),
    wakeAt: new Date(Math.max(now, releaseHere - WARM_UP_LEAD_MS - spreadMs)).toISOString(),
    raceWakeAt: new Date(Math.max(now, releaseHere - RACE_LEAD_MS)).toISOString(),
    siteAheadMs,
    deadline: new Date(start + RACE_WINDOW_MS).toISOString(),
    statusMessage,
  };
}

/** The plan, as the Plan and Warm up states record it. */
function planResult(plan: Plan): ToolResult {
  return {
    content: [{ type: "text", text: plan.statusMessage }],
    structuredContent: plan as unknown as JsonObject,
  };
}

/**
 * A booking's plan, and its warm-up, are worth a fresh read of the rules (a cached read may predate a change the
 * site made). A plan reads them afresh (bookings planned together share a read under way); a warm-up takes a read
 * this recent as fresh.
 */
function forgetRulesOlderThan(course: GolfCourse, deps: GolfDeps, maxAgeMs: number): void {
  const now = deps.clock.now();
  for (const [key, cached] of deps.sessions.rules)
    if (key.startsWith(`${course.id}:`) && now - cached.fetchedAt > maxAgeMs) deps.sessions.rules.delete(key);
}

/** Plan: the release instant from the site's rules, and the plan the record shows until then. */
export const planBookingWhenOpen: ExecutableTool<GolfDeps> = {
  definition: golfBookWhenOpenDefinition,
  summarize: () => "planned",
  async execute(args: JsonObject, deps: GolfDeps): Promise<ToolResult> {
    const course = golfCourse(deps.courses, typeof args.course === "string" ? args.course : undefined);
    forgetRulesOlderThan(course, deps, 0);
    const spread = Math.random() * WARM_UP_SPREAD_MS;
    return planResult(await planFor(course, wantOf(args), deps, deps.clock.now(), spread));
  },
};

/** Rules read this recently (by another booking's warm-up for the same release) are not read again. */
const RULES_FRESH_AT_WARM_UP_MS = 2 * 60_000;
/** A session the site accepted this recently needs no proof at the warm-up. */
const SESSION_PROVEN_MS = 60_000;
/** A clock learned this recently, to within SITE_CLOCK_TARGET_MS, is not learned again. */
const CLOCK_FRESH_MS = 10 * 60_000;

/**
 * Learns the site's clock to within about a round trip: light requests timed to straddle the site's second
 * boundaries, until `until` (our clock). One learning at a time per site; the calls in a process share it.
 */
async function learnSiteClock(api: CpsGolfApi, deps: GolfDeps, until: number): Promise<void> {
  const clock = api.clock;
  const fresh = () =>
    clock.width <= SITE_CLOCK_TARGET_MS && deps.clock.now() - clock.learnedAt < CLOCK_FRESH_MS;
  if (fresh()) return;
  return deps.sessions.shared(`clock:${api.course.golf.origin}`, async () => {
    let roundTrip = 100;
    for (let probe = 0; probe < SITE_CLOCK_PROBES && !fresh(); probe++) {
      const at = clock.nextProbeAt(deps.clock.now(), roundTrip);
      if (at + roundTrip > until) return;
      await sleep(at - deps.clock.now());
      const sent = deps.clock.now();
      await api.get("GetUserInformation", {});
      roundTrip = deps.clock.now() - sent;
    }
  });
}

/**
 * Warm up: shortly before the release, make sure of a session that lasts through the race (the planning's may
 * have expired during the wait), read the rules again (the instant may have moved) and learn the site's clock,
 * so the race starts with a live session at the site's own instant. Advisory: the race can do without it.
 */
export const warmUpBookingWhenOpen: ExecutableTool<GolfDeps> = {
  definition: golfBookWhenOpenDefinition,
  summarize: () => "warmed up",
  async execute(args: JsonObject, deps: GolfDeps): Promise<ToolResult> {
    const course = golfCourse(deps.courses, typeof args.course === "string" ? args.course : undefined);
    const now = deps.clock.now();
    forgetRulesOlderThan(course, deps, RULES_FRESH_AT_WARM_UP_MS);
    const want = wantOf(args);
    const api = new CpsGolfApi(course, deps);
    const first = await planFor(course, want, deps, now);
    await api.liveSession(Date.parse(first.deadline), SESSION_PROVEN_MS);
    // Leave the race's lead and a second to spare: a clock learned late is worth less than a race on time.
    await learnSiteClock(api, deps, Date.parse(first.raceWakeAt) - 1_000);
    return planResult(await planFor(course, want, deps, deps.clock.now()));
  },
};

/** golf_book_when_open's race: the booking, once, at the release. */
export const golfBookWhenOpen: ExecutableTool<BookingDeps> = {
  definition: golfBookWhenOpenDefinition,
  summarize: golfBookTeeTime.summarize,
  async execute(args: JsonObject, deps: BookingDeps): Promise<ToolResult> {
    const course = golfCourse(deps.courses, typeof args.course === "string" ? args.course : undefined);
    const plan = args.plan as unknown as Plan | undefined;
    const want = wantOf(args);
    const booking = await race(
      course,
      want,
      plan ?? (await planFor(course, want, deps, deps.clock.now())),
      deps,
    );
    // Only a race at the release is "booked when it opened"; a date already open, or a watch's match, is not.
    const when = plan?.release ? ` It was booked when ${want.date} opened.` : "";
    return {
      content: [{ type: "text", text: `${render(booking)}${when}` }],
      structuredContent: booking as unknown as JsonObject,
    };
  },
};

/** What became of a race that was cut off: the booking journal against the golfer's reservations. */
export const resolveBookingWhenOpen: ExecutableTool<BookingDeps> = {
  ...golfBookWhenOpen,
  execute: resolveBooking,
};
