import { type ToolError, UpstreamRejected, ValidationFailed } from "../core/errors.ts";
import { CpsGolfApi, type GolfCourse, type GolfDeps } from "./cps-golf.ts";
import { addDays, dateString, withOffset } from "./local-time.ts";

/**
 * When a course opens a date for booking, as the site publishes it (BookingRuleModels, for the signed-in golfer's
 * member class from GetUserInformation) or, where a site does not, as the course file says.
 */
export interface BookingRules {
  classCode: string;
  daysInAdvance: number;
  /** For Saturdays and Sundays; 0 means the same as daysInAdvance (as sites report it). */
  daysInAdvanceWeekend: number;
  /** Course-local clock time a date opens, HH:MM:SS. */
  releaseTime: string;
  maximumDailyBookings?: number;
  noShowLimit?: number;
  from: "site" | "course settings";
}

/** Rules change rarely; a scheduled booking reads them again in its warm-up anyway. */
const RULES_TTL_MS = 15 * 60_000;

interface RuleModels {
  bookingRuleByClass?: {
    classCode?: string;
    bookingRuleByCourse?: {
      courseId?: number;
      daysInAdvance?: number;
      daysInAdvanceWeekend?: number;
      time?: string;
    }[];
  }[];
  bookingRuleByCourses?: { courseId?: number; maximumDailyBookings?: number; noShowLimit?: number }[];
}

/** The signed-in golfer's member class (GetUserInformation), or the course's configured class. */
export async function memberClassOf(api: CpsGolfApi, deps: GolfDeps): Promise<string> {
  const key = api.course.id;
  const known = deps.sessions.memberClasses.get(key);
  if (known) return known;
  let code = api.course.golf.classCode;
  try {
    const info = (await api.get("GetUserInformation", {})) as { memberClassCode?: unknown } | null;
    if (typeof info?.memberClassCode === "string" && info.memberClassCode) code = info.memberClassCode;
  } catch (error) {
    // A site without the endpoint keeps the configured class; any other failure is the caller's to report.
    if (!(error instanceof UpstreamRejected && error.details.upstreamStatus === 404)) throw error;
  }
  deps.sessions.memberClasses.set(key, code);
  return code;
}

/** The course's booking rules for the golfer's class, read from the site (cached) or the course settings. */
export async function bookingRules(course: GolfCourse, deps: GolfDeps, date: string): Promise<BookingRules> {
  const api = new CpsGolfApi(course, deps);
  const classCode = await memberClassOf(api, deps);
  const key = `${course.id}:${classCode}`;
  const cached = deps.sessions.rules.get(key);
  if (cached && deps.clock.now() - cached.fetchedAt < RULES_TTL_MS) return cached.rules;
  let models: RuleModels | null;
  try {
    models = (await api.get("BookingRuleModels", {
      classcode: classCode,
      courseIds: course.golf.courseIds,
      searchDate: dateString(date),
    })) as RuleModels | null;
  } catch (error) {
    if (!(error instanceof UpstreamRejected && [400, 404].includes(error.details.upstreamStatus ?? 0))) {
      throw error;
    }
    models = null;
  }
  const rules = rulesIn(models, course, classCode) ?? fromSettings(course, classCode);
  deps.sessions.rules.set(key, { rules, fetchedAt: deps.clock.now() });
  return rules;
}

function rulesIn(models: RuleModels | null, course: GolfCourse, classCode: string): BookingRules | undefined {
  const ids = course.golf.courseIds.split(",").map(Number);
  const byClass = models?.bookingRuleByClass?.find(
    (c) => c.classCode?.toUpperCase() === classCode.toUpperCase(),
  );
  const rule =
    byClass?.bookingRuleByCourse?.find((r) => ids.includes(r.courseId ?? -1)) ??
    byClass?.bookingRuleByCourse?.[0];
  // "time" is a date-time whose clock part is the release time ("2024-07-16T07:00:00").
  const time = /(\d{2}:\d{2}:\d{2})$/.exec(rule?.time ?? "")?.[1];
  if (!rule || typeof rule.daysInAdvance !== "number" || !time) return undefined;
  const limits = models?.bookingRuleByCourses?.find((c) => ids.includes(c.courseId ?? -1));
  return {
    classCode,
    daysInAdvance: rule.daysInAdvance,
    daysInAdvanceWeekend: rule.daysInAdvanceWeekend ?? 0,
    releaseTime: time,
    ...(typeof limits?.maximumDailyBookings === "number"
      ? { maximumDailyBookings: limits.maximumDailyBookings }
      : {}),
    ...(typeof limits?.noShowLimit === "number" ? { noShowLimit: limits.noShowLimit } : {}),
    from: "site",
  };
}

function fromSettings(course: GolfCourse, classCode: string): BookingRules {
  return {
    classCode,
    daysInAdvance: course.golf.bookingWindowDays,
    daysInAdvanceWeekend: 0,
    releaseTime: course.golf.releaseTime,
    from: "course settings",
  };
}

/** The days in advance that apply to a date (the weekend rule for a Saturday or Sunday, when the site has one). */
export function daysInAdvanceFor(rules: BookingRules, date: string): number {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  return weekend && rules.daysInAdvanceWeekend > 0 ? rules.daysInAdvanceWeekend : rules.daysInAdvance;
}

/** The instant a date opens, ISO 8601 with the course's offset ("2026-12-01T07:00:00-08:00"). */
export function releaseOf(rules: BookingRules, date: string, timeZone: string): string {
  return withOffset(`${addDays(date, -daysInAdvanceFor(rules, date))}T${rules.releaseTime}`, timeZone);
}

/** A date's opening: the rules, the instant, and whether it has come. */
export interface Opening {
  rules: BookingRules;
  opensAt: string;
  open: boolean;
}

export async function openingOf(course: GolfCourse, deps: GolfDeps, date: string): Promise<Opening> {
  const rules = await bookingRules(course, deps, date);
  const opensAt = releaseOf(rules, date, course.timeZone);
  return { rules, opensAt, open: deps.clock.now() >= Date.parse(opensAt) };
}

/** The site's answer to a search or hold of a date it has not opened yet (a 400). */
export function isNotOpenYet(error: unknown): error is ToolError {
  return error instanceof UpstreamRejected && /not able to book this tee time currently/i.test(error.message);
}

/** What to tell the model about a date that is not open yet. */
export function notOpenYet(course: GolfCourse, date: string, opening: Opening): ValidationFailed {
  const { rules, opensAt } = opening;
  const days = daysInAdvanceFor(rules, date);
  const source = rules.from === "site" ? "the site's booking rules" : "the course settings";
  return new ValidationFailed(
    `${course.name} has not opened ${date} for booking yet: it opens on ${opensAt.slice(0, 10)} from ` +
      `${rules.releaseTime.slice(0, 5)} course time (${opensAt}), ${days} days ahead by ${source} ` +
      `(member class ${rules.classCode}). golf_book_when_open books it the moment it opens.`,
  );
}
