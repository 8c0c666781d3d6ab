import { NotConfigured, ValidationFailed } from "../core/errors.ts";
import type { Course } from "./courses.ts";
import { findCourse } from "./courses.ts";
import type { GolfCourse } from "./cps-golf.ts";
import { isCalendarDate, localParts } from "./local-time.ts";

const listed = (courses: readonly Course[]) => courses.map((c) => `${c.name} (${c.id})`).join(", ");

const bookable = (courses: readonly Course[]) => courses.filter((c): c is GolfCourse => c.golf !== undefined);

/**
 * The course a golf tool acts on: the one named (id, name or unambiguous prefix), or the only bookable course
 * when none is named. Anything else is an error the model can fix, listing what is configured.
 */
export function golfCourse(courses: readonly Course[], query: string | undefined): GolfCourse {
  const golf = bookable(courses);
  if (golf.length === 0) {
    throw new NotConfigured("No golf course with online booking is configured on this server.");
  }
  if (query === undefined) {
    if (golf.length === 1 && golf[0]) return golf[0];
    throw new ValidationFailed(
      `Several courses take bookings: ${listed(golf)}. Say which one with "course".`,
    );
  }
  const match = findCourse(courses, query);
  if (match.kind === "ambiguous") {
    throw new ValidationFailed(
      `"${query}" matches several courses: ${listed(match.candidates)}. Give the full name.`,
    );
  }
  if (match.kind === "none") {
    throw new ValidationFailed(`No course "${query}" is configured. Configured courses: ${listed(golf)}.`);
  }
  if (!match.course.golf) {
    throw new ValidationFailed(
      `${match.course.name} does not take bookings through this server. Courses that do: ${listed(golf)}.`,
    );
  }
  return match.course as GolfCourse;
}

/** Every bookable course (for listing reservations across all of them). */
export function golfCourses(courses: readonly Course[]): GolfCourse[] {
  const golf = bookable(courses);
  if (golf.length === 0) {
    throw new NotConfigured("No golf course with online booking is configured on this server.");
  }
  return golf;
}

/** Checks a YYYY-MM-DD date against the course's calendar: a real day, not past. (When it opens: booking-rules.ts.) */
export function checkBookingDate(course: GolfCourse, date: string, now: Date): void {
  if (!isCalendarDate(date))
    throw new ValidationFailed(`"${date}" is not a date on the calendar (YYYY-MM-DD).`);
  const today = localParts(course.timeZone, now).date;
  if (date < today) {
    throw new ValidationFailed(`${date} is in the past: today at ${course.name} is ${today}.`);
  }
}
