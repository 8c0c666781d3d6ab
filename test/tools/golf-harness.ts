/** Sample Links, the golf tools' shared test site, and the helpers their tests call. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { ToolError } from "../../functions/core/errors.ts";
import { type RequestJournal, systemClock } from "../../functions/core/ports.ts";
import { DocumentSecrets, type SecretsDocument } from "../../functions/core/secrets.ts";
import { type Course, parseCourses } from "../../functions/tools/courses.ts";
import { CpsGolfSessions, type GolfDeps } from "../../functions/tools/cps-golf.ts";
import { type Booking, golfBookTeeTime } from "../../functions/tools/golf-book-tee-time.ts";
import { golfSearchTeeTimes, type TeeTime } from "../../functions/tools/golf-search-tee-times.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";
import {
  DEMO_GOLFER,
  type GolfSimulator,
  type GolfSimulatorOptions,
  startGolfSimulator,
} from "../../local/simulators/cps-golf.ts";

export const ZONE = "America/Los_Angeles";
export const today = () => localParts(ZONE, new Date()).date;
export const inDays = (n: number) => addDays(today(), n);

/** The shared site and its course, live bindings set by useSampleLinks() before the tests run. */
export let site: GolfSimulator;
export let course: Course;
export const weatherOnly: Course = {
  id: "park",
  name: "City Park",
  timeZone: ZONE,
  latitude: 47.6,
  longitude: -122.3,
};

/** Starts Sample Links (a site with the optional steps) for the file's tests, healed before each. */
export function useSampleLinks(): void {
  beforeAll(async () => {
    site = await startGolfSimulator({
      courseName: "Sample Links",
      timeZone: ZONE,
      websiteId: "site-1",
      steps: ["checkBookingLimit", "registerTransactionId"],
      maxReservations: 50,
    });
    [course] = parseCourses([
      {
        id: "sample-links",
        name: "Sample Links",
        timeZone: ZONE,
        latitude: 47.62,
        longitude: -122.35,
        origin: site.url,
        websiteId: "site-1",
        courseIds: "1",
        bookingSteps: ["checkBookingLimit", "registerTransactionId"],
      },
    ]) as [Course];
  });
  afterAll(() => site.close());
  beforeEach(() => site.heal());
}

export const DEMO_SECRETS: SecretsDocument = {
  golf: { default: { username: DEMO_GOLFER.username, password: DEMO_GOLFER.password } },
};

export function deps(overrides: Partial<GolfDeps> = {}, secrets: SecretsDocument = DEMO_SECRETS): GolfDeps {
  return {
    courses: [course, weatherOnly],
    secrets: new DocumentSecrets(secrets),
    http: new UpstreamClient({ fetch, userAgent: "rez-agent-mcp-test", timeoutMs: 2_000, cacheTtlMs: 0 }),
    sessions: new CpsGolfSessions(),
    clock: systemClock,
    newId: randomUUID,
    ...overrides,
  };
}

export async function search(args: Record<string, unknown>, d = deps()) {
  const result = await golfSearchTeeTimes.execute(args as never, d);
  return { result, teeTimes: (result.structuredContent as unknown as { teeTimes: TeeTime[] }).teeTimes };
}

/** A course of its own on a simulated site of its own, for a test that changes how the site behaves. */
export async function withOwnSite(
  site: Partial<GolfSimulatorOptions>,
  settings: Record<string, unknown>,
  run: (own: GolfSimulator, course: Course) => Promise<void>,
): Promise<void> {
  const own = await startGolfSimulator({ courseName: "Own Links", timeZone: ZONE, ...site });
  try {
    const [parsed] = parseCourses([
      {
        id: "own-links",
        name: "Own Links",
        timeZone: ZONE,
        latitude: 47.62,
        longitude: -122.35,
        origin: own.url,
        courseIds: "1",
        ...settings,
      },
    ]) as [Course];
    await run(own, parsed);
  } finally {
    await own.close();
  }
}

export async function book(args: Record<string, unknown>, d = deps()) {
  const result = await golfBookTeeTime.execute(args as never, d);
  return result.structuredContent as unknown as Booking;
}

export async function failure(run: Promise<unknown>): Promise<ToolError> {
  try {
    await run;
  } catch (error) {
    return error as ToolError;
  }
  throw new Error("expected the call to fail");
}

/** A journal in memory, as a side effect's function keeps one per request in the idempotency table. */
export function memoryJournal<Note>(): RequestJournal<Note> {
  let kept: Note | undefined;
  return {
    note: async (entry: Note) => {
      kept = entry;
    },
    read: async () => kept,
  };
}
