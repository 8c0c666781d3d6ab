import { isLoopback } from "../core/loopback.ts";

/** Optional booking steps some CPS Golf sites need (site differences are settings, not code branches). */
export const BOOKING_STEPS = ["checkBookingLimit", "registerTransactionId"] as const;
export type BookingStep = (typeof BOOKING_STEPS)[number];

/** The site endpoints a course may move; paths relative to its origin. */
export interface CpsGolfPaths {
  token: string;
  jwks: string;
  /** The online reservation API, ending in "/". */
  api: string;
  /** Where a person cancels a reservation (no public CPS client cancels through the API). */
  cancel: string;
}

export const DEFAULT_CPS_PATHS: CpsGolfPaths = {
  token: "/identityapi/connect/token",
  jwks: "/identityapi/.well-known/openid-configuration/jwks",
  api: "/onlineres/onlineapi/api/v1/onlinereservation/",
  cancel: "/onlineresweb/auth/verify-email?returnUrl=cancel-booking",
};

/** How one course's CPS Golf site works. */
export interface CpsGolfSite {
  /** https://<site>.cps.golf */
  origin: string;
  clientId: string;
  scope: string;
  websiteId?: string;
  /** The site's course ids to search, comma separated ("1" or "1,2"). */
  courseIds: string;
  classCode: string;
  memberStoreId: string;
  /** How many days ahead the course takes bookings (when the site does not publish its rules). */
  bookingWindowDays: number;
  /** The course-local clock time (HH:MM:SS) a date opens, bookingWindowDays before it (when the site does not say). */
  releaseTime: string;
  bookingSteps: BookingStep[];
  /** Extra headers the site expects on API calls (x-siteid, x-terminalid, ...). */
  headers: Record<string, string>;
  paths: CpsGolfPaths;
}

/** A configured golf course: where it is (weather) and, when it has one, how its CPS Golf site works. */
export interface Course {
  id: string;
  name: string;
  address?: string;
  /** IANA time zone of the course. */
  timeZone: string;
  latitude: number;
  longitude: number;
  /** Present when the course takes bookings online through CPS Golf. */
  golf?: CpsGolfSite;
}

export type CourseMatch =
  | { kind: "found"; course: Course }
  | { kind: "ambiguous"; candidates: Course[] }
  | { kind: "none" };

/** Finds a course by id or name (case-insensitive), or by an unambiguous prefix of its name. */
export function findCourse(courses: readonly Course[], query: string): CourseMatch {
  const wanted = query.trim().toLowerCase();
  if (!wanted) return { kind: "none" };
  const exact = courses.find((c) => c.id.toLowerCase() === wanted || c.name.toLowerCase() === wanted);
  if (exact) return { kind: "found", course: exact };
  const prefixed = courses.filter((c) => c.name.toLowerCase().startsWith(wanted));
  if (prefixed.length === 1 && prefixed[0]) return { kind: "found", course: prefixed[0] };
  if (prefixed.length > 1) return { kind: "ambiguous", candidates: prefixed };
  return { kind: "none" };
}

/** Checks a parsed courses file: every course needs an id, a name, a time zone and coordinates. */
export function parseCourses(value: unknown): Course[] {
  const list = Array.isArray(value) ? value : (value as { courses?: unknown })?.courses;
  if (!Array.isArray(list))
    throw new Error("the courses file must hold an array of courses, or { courses: [...] }");
  const ids = new Set<string>();
  return list.map((raw, index) => {
    const course = raw as Partial<Course> & Record<string, unknown>;
    const where = `course ${index + 1}`;
    for (const key of ["id", "name", "timeZone"] as const) {
      if (typeof course[key] !== "string" || !course[key])
        throw new Error(`${where}: "${key}" must be a string`);
    }
    if (typeof course.latitude !== "number" || Math.abs(course.latitude) > 90) {
      throw new Error(`${where}: "latitude" must be a number from -90 to 90`);
    }
    if (typeof course.longitude !== "number" || Math.abs(course.longitude) > 180) {
      throw new Error(`${where}: "longitude" must be a number from -180 to 180`);
    }
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: course.timeZone });
    } catch {
      throw new Error(`${where}: "timeZone" ${course.timeZone} is not an IANA time zone`);
    }
    if (ids.has(course.id as string)) throw new Error(`${where}: duplicate id ${course.id}`);
    ids.add(course.id as string);
    const parsed: Course = {
      id: course.id as string,
      name: course.name as string,
      timeZone: course.timeZone as string,
      latitude: course.latitude,
      longitude: course.longitude,
    };
    if (typeof course.address === "string") parsed.address = course.address;
    const site = raw as Record<string, unknown>;
    if (site.origin !== undefined) parsed.golf = parseSite(site, where);
    return parsed;
  });
}

/**
 * A course list in the courses file's own form (the site's settings flat on each course), so that
 * `parseCourses(JSON.parse(serializeCourses(courses)))` gives the same courses back. The stack passes this to the
 * functions as COURSES_JSON; the functions read it with parseCourses, as the local runtime reads the file.
 */
export function serializeCourses(courses: readonly Course[]): string {
  return JSON.stringify(
    courses.map(({ golf, ...course }) => {
      if (!golf) return course;
      const { paths, ...site } = golf;
      const moved = Object.fromEntries(
        Object.entries(paths).filter(
          ([key, value]) => DEFAULT_CPS_PATHS[key as keyof CpsGolfPaths] !== value,
        ),
      );
      return { ...course, ...site, ...(Object.keys(moved).length ? { paths: moved } : {}) };
    }),
  );
}

const DEFAULT_SCOPE =
  "openid profile onlinereservation sale inventory sh customer email recommend references";

/** The CPS Golf settings of a course, written flat on it in the courses file; defaults as most sites use. */
function parseSite(raw: Record<string, unknown>, where: string): CpsGolfSite {
  const text = (key: string, fallback?: string): string => {
    const value = raw[key] ?? fallback;
    if (typeof value === "number") return String(value);
    if (typeof value !== "string" || !value) throw new Error(`${where}: "${key}" must be a string`);
    return value;
  };
  let origin: URL;
  try {
    origin = new URL(text("origin"));
  } catch {
    throw new Error(`${where}: "origin" must be a URL such as https://<site>.cps.golf`);
  }
  if (origin.protocol !== "https:" && !(origin.protocol === "http:" && isLoopback(origin.hostname))) {
    throw new Error(`${where}: "origin" must be an https URL`);
  }
  const days = raw.bookingWindowDays ?? 14;
  if (typeof days !== "number" || !Number.isInteger(days) || days < 0 || days > 365) {
    throw new Error(`${where}: "bookingWindowDays" must be a whole number of days from 0 to 365`);
  }
  const releaseTime = raw.releaseTime ?? "00:00:00";
  if (typeof releaseTime !== "string" || !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(releaseTime)) {
    throw new Error(`${where}: "releaseTime" must be a clock time such as "07:00" or "07:00:00"`);
  }
  const steps = raw.bookingSteps ?? [];
  if (!Array.isArray(steps) || steps.some((step) => !BOOKING_STEPS.includes(step as BookingStep))) {
    throw new Error(`${where}: "bookingSteps" may list ${BOOKING_STEPS.join(", ")}`);
  }
  const headers = raw.headers ?? {};
  if (typeof headers !== "object" || Object.values(headers as object).some((v) => typeof v !== "string")) {
    throw new Error(`${where}: "headers" must map header names to strings`);
  }
  const paths = (raw.paths ?? {}) as Partial<CpsGolfPaths>;
  for (const [key, value] of Object.entries(paths)) {
    if (!(key in DEFAULT_CPS_PATHS) || typeof value !== "string" || !value.startsWith("/")) {
      throw new Error(`${where}: "paths.${key}" must be a path starting with "/"`);
    }
  }
  const site: CpsGolfSite = {
    origin: origin.origin,
    clientId: text("clientId", "onlineresweb"),
    scope: text("scope", DEFAULT_SCOPE),
    courseIds: text("courseIds"),
    classCode: text("classCode", "R"),
    memberStoreId: text("memberStoreId", "1"),
    bookingWindowDays: days,
    releaseTime: releaseTime.length === 5 ? `${releaseTime}:00` : releaseTime,
    bookingSteps: steps as BookingStep[],
    headers: headers as Record<string, string>,
    paths: { ...DEFAULT_CPS_PATHS, ...paths },
  };
  if (raw.websiteId !== undefined) site.websiteId = text("websiteId");
  return site;
}
