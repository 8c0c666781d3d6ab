/** A configured golf course: where it is (weather) and, for the golf tools, how its CPS Golf site works. */
export interface Course {
  id: string;
  name: string;
  address?: string;
  /** IANA time zone of the course. */
  timeZone: string;
  latitude: number;
  longitude: number;
  [setting: string]: unknown;
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
    const course = raw as Partial<Course>;
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
    return course as Course;
  });
}
