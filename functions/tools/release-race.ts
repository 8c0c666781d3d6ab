import {
  BookingIncomplete,
  UpstreamRejected,
  UpstreamUnavailable,
  ValidationFailed,
} from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import { bookTeeSheet } from "./booker.ts";
import type { Booking, BookingDeps } from "./booking.ts";
import { isNotOpenYet } from "./booking-rules.ts";
import { CpsGolfApi, type GolfCourse, type GolfDeps } from "./cps-golf.ts";
import { type SearchInput, searchTeeTimes, type TeeTime } from "./golf-search-tee-times.ts";

/**
 * The race at a course's release, and what it races for: the plan (when to wake, when the date opens by the site's
 * clock, when to give up) and the golfer's want (the window, the preference, the price), tee times ranked by it.
 */

/** When the scheduled execution wakes, races and gives up; ISO 8601 instants, as the Wait states read them. */
export interface Plan {
  /** Whether the booking waits for the date's release (a race), rather than booking a date already open. */
  release: boolean;
  /** The release, by the site's clock. */
  opensAt: string;
  /** When the warm-up runs (our clock). */
  wakeAt: string;
  /** When the race function is woken (our clock): a few seconds early, to wait in-process for the release. */
  raceWakeAt: string;
  /** How far the site's clock is ahead of ours, as its answers showed: the race's first search leaves at
   * opensAt minus this, by our clock. */
  siteAheadMs: number;
  deadline: string;
  statusMessage: string;
}

export interface Want extends SearchInput {
  preference: "earliest" | "latest" | "closest";
  closestTo?: string;
  maxPrice?: number;
}

export function wantOf(args: JsonObject): Want {
  const want: Want = {
    date: String(args.date),
    players: typeof args.players === "number" ? args.players : 1,
    holes: args.holes === 9 ? 9 : 18,
    preference: args.preference === "latest" || args.preference === "closest" ? args.preference : "earliest",
  };
  if (typeof args.startTime === "string") want.startTime = args.startTime;
  if (typeof args.endTime === "string") want.endTime = args.endTime;
  if (typeof args.closestTo === "string") want.closestTo = args.closestTo;
  if (typeof args.maxPrice === "number") want.maxPrice = args.maxPrice;
  if (want.startTime && want.endTime && want.endTime < want.startTime) {
    throw new ValidationFailed(`The end time ${want.endTime} is before the start time ${want.startTime}.`);
  }
  if (want.preference === "closest" && !want.closestTo) {
    throw new ValidationFailed(
      'preference "closest" needs closestTo, the time of day (HH:MM) to be closest to.',
    );
  }
  return want;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The tee times worth trying, best first. */
export function ranked(teeTimes: TeeTime[], want: Want): TeeTime[] {
  const affordable = teeTimes.filter(
    (t) => want.maxPrice === undefined || (t.price !== null && t.price <= want.maxPrice),
  );
  const at = (t: TeeTime) => minutes(t.startTime.slice(11, 16));
  const target = want.closestTo ? minutes(want.closestTo) : 0;
  const order: Record<Want["preference"], (a: TeeTime, b: TeeTime) => number> = {
    earliest: (a, b) => at(a) - at(b),
    latest: (a, b) => at(b) - at(a),
    closest: (a, b) => Math.abs(at(a) - target) - Math.abs(at(b) - target) || at(a) - at(b),
  };
  return affordable.sort(order[want.preference]);
}

/** Between searches of a date the site has not opened yet: inside CPS Golf's rate limit of about 5 a second. */
const NOT_OPEN_PAUSE_MS = 200;
/**
 * In the first second after the release by our reckoning, a "not open yet" is a clock a few milliseconds apart: ask
 * again soon (the site's pace still holds every request to its slot).
 */
const AT_RELEASE_PAUSE_MS = 40;
/** The site requests a race books ahead for its release: a search and a booking's every step. */
const RACE_SLOTS = 7;
/** The longest one race invocation runs (its Task times out at 150 s). */
const RACE_RUN_MS = 100_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * The race: search, then book the best matching tee time (hold → price → reserve); the site's "not open yet" and a
 * site too busy to answer are tried again at once and then less often; a hold lost to another golfer moves on to the
 * next choice. At most one booking, ever: the first hold that is priced and reserved ends the race, and anything
 * that fails after a hold ends it too (its hold released), never trying a second tee time.
 */
export async function race(
  course: GolfCourse,
  want: Want,
  plan: Plan,
  callDeps: BookingDeps,
): Promise<Booking> {
  // One turn for the whole race: its every request goes before those of races that started after it.
  const deps: BookingDeps = { ...callDeps, turn: callDeps.sessions.nextTurn() };
  const until = Math.min(Date.parse(plan.deadline), deps.clock.now() + RACE_RUN_MS);
  // Woken RACE_LEAD_MS early: the first search leaves at the release by the site's clock.
  const releaseHere = Date.parse(plan.opensAt) - (plan.siteAheadMs ?? 0);
  if (plan.release) {
    // The release's slots of the pace every instance shares are booked now, not asked for at the release.
    await deps.sessions.bookSlots(course.golf.origin, releaseHere, RACE_SLOTS);
    await sleep(Math.min(releaseHere, until) - deps.clock.now());
  }
  const lost: string[] = [];
  let pause = NOT_OPEN_PAUSE_MS;
  let lastProblem = "no tee time in the window was open";
  while (deps.clock.now() < until) {
    let teeTimes: TeeTime[];
    try {
      teeTimes = await searchTeeTimes(course, want, deps);
      pause = NOT_OPEN_PAUSE_MS;
    } catch (error) {
      if (!isNotOpenYet(error) && !(error instanceof UpstreamUnavailable)) throw error;
      // Not open yet: ask again at a steady pace (CPS Golf allows about 5 requests a second); a site failing: back off.
      lastProblem = isNotOpenYet(error) ? "the site had not opened the date" : "the site was not answering";
      const atRelease = deps.clock.now() - releaseHere < 1_000;
      const notOpenPause = atRelease ? AT_RELEASE_PAUSE_MS : NOT_OPEN_PAUSE_MS;
      await sleep(Math.min(isNotOpenYet(error) ? notOpenPause : pause, until - deps.clock.now()));
      if (!isNotOpenYet(error)) pause = Math.min(pause * 2, 1_000);
      continue;
    }
    const choices = ranked(teeTimes, want).filter((t) => !lost.includes(t.startTime.slice(11, 16)));
    if (choices.length === 0) {
      // A busy site sometimes answers NO_TEETIMES at the release; a freed time may also come back. Look again.
      lastProblem = teeTimes.length
        ? "no open tee time matched the price"
        : "no tee time in the window was open";
      await sleep(Math.min(250, until - deps.clock.now()));
      continue;
    }
    for (const choice of choices) {
      try {
        return await bookTeeSheet(
          course,
          { teeSheetId: choice.teeSheetId, players: want.players, holes: want.holes },
          deps,
          deps.journal,
        );
      } catch (error) {
        if (error instanceof UpstreamRejected && /could not hold/.test(error.message)) {
          lost.push(choice.startTime.slice(11, 16));
          continue;
        }
        if (isNotOpenYet(error)) break;
        if (error instanceof BookingIncomplete) await release(course, choice, deps);
        throw error;
      }
    }
  }
  const gone = lost.length ? `; ${lost.join(", ")} went to other golfers first` : "";
  throw new UpstreamRejected(
    `Nothing was booked at ${course.name} on ${want.date}: by ${plan.deadline} ${lastProblem}${gone}. ` +
      "golf_search_tee_times shows what is open now.",
    { upstream: "cps-golf" },
  );
}

/** Lets go of a hold the race will not use, so it does not sit on the tee time for ten minutes. Best effort. */
async function release(course: GolfCourse, teeTime: TeeTime, deps: GolfDeps): Promise<void> {
  try {
    const api = new CpsGolfApi(course, deps);
    const golfer = await api.golfer();
    await api.post("UnLockTeeTimes", { teeSheetIds: [teeTime.teeSheetId], golferId: golfer.golferId });
  } catch {
    // The hold expires on its own.
  }
}
