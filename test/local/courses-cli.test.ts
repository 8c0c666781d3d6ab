import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCourses } from "../../functions/tools/courses.ts";
import { DEMO_GOLFER, type GolfSimulator, startGolfSimulator } from "../../local/simulators/cps-golf.ts";
import { runToExit } from "../client/run-to-exit.ts";

/** npm run courses: a course set up from its site's URL alone, then checked by signing in and reading its rules. */

const CLI = new URL("../../local/courses/main.ts", import.meta.url).pathname;
const WEBSITE_ID = "ee8d09d9-2ab6-4349-c825-08dec0b787e5";

let site: GolfSimulator;
let dir: string;
beforeAll(async () => {
  site = await startGolfSimulator({
    courseName: "Birdsfoot",
    siteName: "birdsfoot",
    timeZone: "America/New_York",
    courseIds: "2,3",
    websiteId: WEBSITE_ID,
    releaseRules: { R: { daysInAdvance: 4, daysInAdvanceWeekend: 5, time: "07:00:00" } },
  });
  dir = await mkdtemp(join(tmpdir(), "rez-courses-"));
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

const courses = (...args: string[]) =>
  runToExit([CLI, ...args], { PATH: process.env.PATH ?? "", HOME: dir }, dir);

describe("npm run courses", () => {
  it("adds a course from its site's URL alone, with the ids and time zone the site gives, beside the others", async () => {
    const file = join(dir, "courses.json");
    await writeFile(
      file,
      JSON.stringify({
        courses: [{ id: "park", name: "City Park", timeZone: "UTC", latitude: 1, longitude: 2 }],
      }),
    );
    const added = await courses("add", site.url, "--at", "42.44,-76.5", "--file", file);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    const written = JSON.parse(await readFile(file, "utf8"));
    const [park, birdsfoot] = parseCourses(written);
    expect(park?.id).toBe("park");
    expect(birdsfoot).toMatchObject({
      id: "birdsfoot",
      name: "Birdsfoot",
      timeZone: "America/New_York",
      latitude: 42.44,
      longitude: -76.5,
      golf: {
        origin: site.url,
        courseIds: "2,3",
        websiteId: WEBSITE_ID,
        headers: { "x-siteid": "1", "x-terminalid": "3" },
      },
    });
    expect(added.stdout).toContain("npm run courses -- check birdsfoot");
  });

  it("checks a course by signing in and printing the booking rules the site gives the golfer", async () => {
    const file = join(dir, "courses.json");
    const secrets = join(dir, "secrets.json");
    await writeFile(
      secrets,
      JSON.stringify({
        golf: { default: { username: DEMO_GOLFER.username, password: DEMO_GOLFER.password } },
      }),
      { mode: 0o600 },
    );
    const checked = await courses("check", "birdsfoot", "--file", file, "--secrets-file", secrets);
    expect(checked.stderr).toBe("");
    expect(checked.stdout).toContain(
      `Signed in to Birdsfoot as golfer ${DEMO_GOLFER.golferId} (member class R).`,
    );
    expect(checked.stdout).toMatch(
      /from the site's BookingRuleModels\): a date opens 4 days ahead, 5 for Saturdays and Sundays, at 07:00:00 course time \(America\/New_York\)/,
    );
    expect(checked.stdout).toMatch(
      /The next date to open: \d{4}-\d\d-\d\d, at \d{4}-\d\d-\d\dT07:00:00-0[45]:00\./,
    );
  });

  it("checks with a named golfer's sign-in when asked, and the default golfer's otherwise", async () => {
    const file = join(dir, "courses.json");
    const secrets = join(dir, "golfer-secrets.json");
    const demo = { username: DEMO_GOLFER.username, password: DEMO_GOLFER.password };
    await writeFile(secrets, JSON.stringify({ golfers: { alice: { golf: { default: demo } } } }), {
      mode: 0o600,
    });
    const asAlice = await courses(
      "check",
      "birdsfoot",
      "--file",
      file,
      "--secrets-file",
      secrets,
      "--golfer",
      "alice",
    );
    expect(asAlice.stdout).toContain(`Signed in to Birdsfoot as golfer ${DEMO_GOLFER.golferId}`);
    const asDefault = await courses("check", "birdsfoot", "--file", file, "--secrets-file", secrets);
    expect(asDefault.code).toBe(1);
    expect(asDefault.stderr).toMatch(/No CPS Golf sign-in is configured for Birdsfoot/);
  });

  it("refuses an address that is not a CPS Golf site, in one line, writing nothing", async () => {
    const page = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end("<html></html>"),
    );
    await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
    const { port } = page.address() as AddressInfo;
    try {
      const file = join(dir, "other.json");
      const wrong = await courses("add", `http://127.0.0.1:${port}`, "--at", "1,2", "--file", file);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(
        /^rez-agent-mcp courses: .*Configuration did not answer with JSON: is it a CPS Golf site\?\n$/,
      );
      await expect(readFile(file)).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      page.close();
    }
  });
});
