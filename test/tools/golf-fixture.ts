import { randomUUID } from "node:crypto";
import { systemClock } from "../../functions/core/ports.ts";
import { DocumentSecrets } from "../../functions/core/secrets.ts";
import { parseCourses } from "../../functions/tools/courses.ts";
import { CpsGolfSessions, type GolfCourse, type GolfDeps } from "../../functions/tools/cps-golf.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";
import { DEMO_GOLFER } from "../../local/simulators/cps-golf.ts";
import type { Simulator } from "../../local/simulators/sim-server.ts";

/** A course of `site`, as a course file would name it (course ids "1"). */
export function courseOn(
  site: Simulator,
  course: { id: string; name: string; timeZone: string },
): GolfCourse {
  const [parsed] = parseCourses([
    { ...course, latitude: 41, longitude: -88, origin: site.url, courseIds: "1" },
  ]) as [GolfCourse];
  return parsed;
}

/** The golf tools' deps for `courses`, signed in as the simulators' demo golfer, with a fresh session cache. */
export function golfDeps(courses: GolfCourse[], overrides: Partial<GolfDeps> = {}): GolfDeps {
  return {
    courses,
    secrets: new DocumentSecrets({
      golf: { default: { username: DEMO_GOLFER.username, password: DEMO_GOLFER.password } },
    }),
    http: new UpstreamClient({ fetch, userAgent: "rez-agent-mcp-test", timeoutMs: 5_000, cacheTtlMs: 0 }),
    sessions: new CpsGolfSessions(),
    clock: systemClock,
    newId: randomUUID,
    ...overrides,
  };
}
