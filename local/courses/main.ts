/**
 * npm run courses -- add <site URL> --at <lat,lon> [--file courses.json] [--id <id>]
 * npm run courses -- check <course> [--file courses.json] [--secrets-file <file>] [--golfer <id>]
 *
 * Sets a CPS Golf course up from its site's address (the ids the site's own web app reads), and checks it: signs in
 * with the configured credentials and prints the booking rules the site gives this golfer.
 */
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { DEFAULT_GOLFER } from "../../functions/core/golfers.ts";
import { systemClock } from "../../functions/core/ports.ts";
import { DocumentSecrets } from "../../functions/core/secrets.ts";
import { bookingRules, daysInAdvanceFor, releaseOf } from "../../functions/tools/booking-rules.ts";
import { parseCourses } from "../../functions/tools/courses.ts";
import { CpsGolfApi, CpsGolfSessions, type GolfDeps } from "../../functions/tools/cps-golf.ts";
import { golfCourse } from "../../functions/tools/golf-courses.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";
import { argumentsOf, type Command, command } from "../cli.ts";
import { loadLocalSecrets } from "../secrets.ts";
import { courseEntry, discoverSite } from "./discover.ts";

const USAGE = `Usage: npm run courses -- add <https://<name>.cps.golf> --at <lat,lon> [--file courses.json] [--id <id>]
       npm run courses -- check <course id or name> [--file courses.json] [--secrets-file <file>] [--golfer <id>]`;

const cli: Command = command("courses");
const { say } = cli;
const parsed = argumentsOf(
  {
    file: { type: "string", default: "courses.json" },
    at: { type: "string" },
    id: { type: "string" },
    "secrets-file": { type: "string", default: ".rez-agent-mcp/secrets.json" },
    golfer: { type: "string" },
  } as const,
  USAGE,
  cli.fail,
);
const [action, target] = parsed.positionals;
const flags = parsed.values;
if ((action !== "add" && action !== "check") || !target) cli.fail(USAGE, 2);

async function readCourseFile(file: string): Promise<unknown[]> {
  try {
    const value = JSON.parse(await readFile(file, "utf8")) as unknown;
    const list = Array.isArray(value) ? value : (value as { courses?: unknown })?.courses;
    if (!Array.isArray(list)) cli.fail(`${file} must hold { "courses": [...] }`);
    return list;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

try {
  if (action === "add") {
    const at = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(flags.at ?? "");
    if (!at) cli.fail("say where the course is (for its weather): --at <latitude,longitude>", 2);
    const site = await discoverSite(target);
    const entry = courseEntry(site, { latitude: Number(at[1]), longitude: Number(at[2]) }, flags.id);
    const others = (await readCourseFile(flags.file)).filter((c) => (c as { id?: unknown }).id !== entry.id);
    const courses = [...others, entry];
    parseCourses(courses); // the server must be able to read what is written
    await writeFile(flags.file, `${JSON.stringify({ courses }, null, 2)}\n`);
    say(`Added ${entry.name} (${entry.id}) to ${flags.file}:`);
    say(JSON.stringify(entry, null, 2));
    say(`Check it: npm run courses -- check ${entry.id} --file ${flags.file}`);
    say(`Use it:   npm start -- --courses ${flags.file}`);
  } else {
    const courses = parseCourses({ courses: await readCourseFile(flags.file) });
    const course = golfCourse(courses, target);
    const secrets = await loadLocalSecrets(flags["secrets-file"], process.env);
    const deps: GolfDeps = {
      courses,
      secrets: new DocumentSecrets(secrets),
      http: new UpstreamClient({
        fetch,
        userAgent: "rez-agent-mcp (courses check)",
        timeoutMs: 10_000,
        cacheTtlMs: 0,
      }),
      sessions: new CpsGolfSessions(),
      clock: systemClock,
      newId: randomUUID,
      golfer: flags.golfer ?? DEFAULT_GOLFER,
    };
    const golfer = await new CpsGolfApi(course, deps).golfer();
    const today = localParts(course.timeZone, new Date()).date;
    const rules = await bookingRules(course, deps, today);
    say(`Signed in to ${course.name} as golfer ${golfer.golferId} (member class ${rules.classCode}).`);
    const weekend =
      rules.daysInAdvanceWeekend > 0 ? `, ${rules.daysInAdvanceWeekend} for Saturdays and Sundays` : "";
    say(
      `Booking rules (${rules.from === "site" ? "from the site's BookingRuleModels" : "from the course settings: the site gives none"}): ` +
        `a date opens ${rules.daysInAdvance} days ahead${weekend}, at ${rules.releaseTime} course time (${course.timeZone}).`,
    );
    if (rules.maximumDailyBookings !== undefined)
      say(`At most ${rules.maximumDailyBookings} booking(s) a day.`);
    if (rules.noShowLimit !== undefined) say(`No-show limit: ${rules.noShowLimit}.`);
    const next = addDays(today, daysInAdvanceFor(rules, today) + 1);
    say(`The next date to open: ${next}, at ${releaseOf(rules, next, course.timeZone)}.`);
  }
} catch (error) {
  cli.fail((error as Error).message);
}
