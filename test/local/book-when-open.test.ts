import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { RACE_LEAD_MS } from "../../functions/tools/golf-book-when-open.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { RuntimeOptions } from "../../local/runtime.ts";
import { DEMO_GOLFER, type GolfSimulator, startGolfSimulator } from "../../local/simulators/cps-golf.ts";
import type { NtfySimulator } from "../../local/simulators/ntfy.ts";
import { callTool, getStatus, type Harness, post, readEvents, startHarness } from "./harness.ts";

/** golf_book_when_open through the scheduled-booking state machine, against the simulated site's releases and rivals. */

let harness: Harness;
const ZONE = "America/Los_Angeles";
const inDays = (n: number) => addDays(localParts(ZONE, new Date()).date, n);
const site = () => harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
const ntfy = () => harness.runtime.simulators.ntfy as NtfySimulator;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

interface Result {
  isError?: boolean;
  content: { text: string }[];
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

async function call(name: string, args: Record<string, unknown>) {
  const body = await (await callTool(harness.runtime, name, args)).json();
  expect(body.error).toBeUndefined();
  return body.result as Result;
}

const reservationsOn = async (date: string) =>
  (
    (await (await fetch(`${site().url}/__sim/reservations`)).json()) as {
      reservations: { teeTime: string; by: string; bookedAt: string; cancelled?: boolean }[];
    }
  ).reservations.filter((r) => r.teeTime.startsWith(date));

async function finished(id: string) {
  await vi.waitFor(
    async () => expect((await (await getStatus(harness.runtime, id)).json()).status).not.toBe("working"),
    { timeout: 20_000, interval: 200 },
  );
  return (await getStatus(harness.runtime, id)).json();
}

/**
 * A runtime against a CPS Golf site of its own (live mode, the demo golfer's sign-in): the site outlives the
 * runtime's restarts, as a real one would.
 */
async function withOwnSite(
  options: Partial<RuntimeOptions>,
  run: (own: GolfSimulator, restarting: Harness) => Promise<void>,
): Promise<void> {
  const own = await startGolfSimulator({ courseName: "Own Links", timeZone: ZONE });
  const dir = await mkdtemp(join(tmpdir(), "rez-when-open-"));
  const coursesFile = join(dir, "courses.json");
  const course = {
    id: "own",
    name: "Own Links",
    timeZone: ZONE,
    latitude: 47,
    longitude: -122,
    origin: own.url,
    courseIds: "1",
  };
  await writeFile(coursesFile, JSON.stringify([course]));
  const restarting = await startHarness({
    upstreams: "live",
    coursesFile,
    secrets: { golf: { default: { username: DEMO_GOLFER.username, password: DEMO_GOLFER.password } } },
    ...options,
  });
  try {
    await run(own, restarting);
  } finally {
    await restarting.close();
    await own.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe("golf_book_when_open", () => {
  it("answers at once with the plan, then books the best time still free at the release, once, and says so", async () => {
    const date = inDays(20);
    const releasesAt = site().release(date, 3_000);
    site().setRivals({ afterMs: 300, count: 2 });
    const scheduled = await call("golf_book_when_open", {
      date,
      players: 2,
      startTime: "07:00",
      endTime: "09:00",
    });
    // Answered with the plan, not the booking: the call is still working and books at the release.
    expect(scheduled.isError).toBeFalsy();
    expect(scheduled.structuredContent).toMatchObject({ status: "working" });
    expect(scheduled.content[0]?.text).toMatch(
      new RegExp(
        `^Scheduled: Sample Links opens ${date} for booking on .* course time \\(${new Date(releasesAt).toISOString()}, by the site's booking rules\\)\\. At that second the server books the earliest tee time between 07:00 and 09:00 for 2 players`,
      ),
    );
    const id = String(scheduled._meta?.[REQUEST_ID_META_KEY]);
    const listed = await call("list_requests", { status: "working" });
    expect(JSON.stringify(listed.structuredContent)).toContain(id);

    const status = await finished(id);
    expect(status.status).toBe("completed");
    const mine = (await reservationsOn(date)).filter((r) => r.by === "golfer");
    expect(mine).toHaveLength(1);
    const ours = mine[0] as { teeTime: string; bookedAt: string };
    expect(Date.parse(ours.bookedAt)).toBeGreaterThanOrEqual(releasesAt);
    // The best time still free when it booked: every earlier one had gone to a rival before it.
    const rivalsBefore = (await reservationsOn(date)).filter(
      (r) => r.by === "rival" && Date.parse(r.bookedAt) <= Date.parse(ours.bookedAt),
    );
    const taken = new Set(rivalsBefore.map((r) => r.teeTime));
    const best = ["07:00", "07:10", "07:20", "07:30"]
      .map((t) => `${date}T${t}:00`)
      .find((t) => !taken.has(t));
    expect(ours.teeTime).toBe(best);
    expect(status.result.structuredContent).toMatchObject({
      players: 2,
      startTime: expect.stringContaining(ours.teeTime.slice(0, 16)),
    });
    expect(status.result.content[0].text).toMatch(new RegExp(`It was booked when ${date} opened\\.$`));
    await vi.waitFor(
      () =>
        expect(
          ntfy().received.some(
            (p) => p.title === "Tee time booked" && p.message.includes(ours.teeTime.slice(11, 16)),
          ),
        ).toBe(true),
      { timeout: 5_000 },
    );
    const events = (await readEvents(harness.runtime)).filter((e) => e.detail.requestId === id);
    expect(events.map((e) => e["detail-type"])).toEqual(["Tool Call Completed"]);
    site().setRivals(undefined);
  }, 30_000);

  it("books nothing when cancelled before the release, and says so", async () => {
    const date = inDays(21);
    // Far enough for the cancel to come before the race is woken, RACE_LEAD_MS ahead of the release.
    const releasesAt = site().release(date, RACE_LEAD_MS + 2_500);
    const scheduled = await call("golf_book_when_open", { date, players: 1 });
    // Planned from the rules as they are now, not as an earlier call read them (the site changed them since).
    expect(scheduled.content[0]?.text).toContain(new Date(releasesAt).toISOString());
    const requestId = String(scheduled._meta?.[REQUEST_ID_META_KEY]);
    const cancelled = await call("cancel_request", { requestId });
    expect(cancelled.structuredContent?.status).toBe("cancelled");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, releasesAt - Date.now()) + 1_000));
    expect((await reservationsOn(date)).filter((r) => r.by === "golfer")).toEqual([]);
    expect((await (await getStatus(harness.runtime, requestId)).json()).status).toBe("cancelled");
  }, 20_000);

  it("is stopped by tasks/cancel before the release like any task, and books nothing", async () => {
    const date = inDays(23);
    const releasesAt = site().release(date, RACE_LEAD_MS + 2_500);
    const scheduled = await call("golf_book_when_open", { date, players: 1 });
    const taskId = String(scheduled._meta?.[REQUEST_ID_META_KEY]);
    const answer = await (
      await post(harness.runtime, { jsonrpc: "2.0", id: 7, method: "tasks/cancel", params: { taskId } })
    ).json();
    expect(answer.result).toMatchObject({ taskId, status: "cancelled" });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, releasesAt - Date.now()) + 1_000));
    expect((await reservationsOn(date)).filter((r) => r.by === "golfer")).toEqual([]);
  }, 20_000);

  it("goes on to the race with its plan when the warm-up fails, and books", async () => {
    await withOwnSite({}, async (own, restarting) => {
      const date = inDays(25);
      // Far enough for the warm-up to ask the site (to learn its clock) before the race is woken, even on a busy
      // machine.
      own.release(date, RACE_LEAD_MS + 8_000);
      // Signed in already (a search), so the plan and the race need not ask who the golfer is again; the site
      // fails that question, which the warm-up asks to learn its clock, every time it is tried.
      await callTool(restarting.runtime, "golf_search_tee_times", { date: inDays(1) });
      own.fail({ kind: "status", status: 503, path: "GetUserInformation" });
      const body = await (await callTool(restarting.runtime, "golf_book_when_open", { date })).json();
      const id = String(body.result._meta?.[REQUEST_ID_META_KEY]);
      await vi.waitFor(
        async () =>
          expect((await (await getStatus(restarting.runtime, id)).json()).status).not.toBe("working"),
        { timeout: 35_000, interval: 200 },
      );
      // The warm-up asked and failed (how many of its retries still had time to ask depends on the machine's
      // speed); the race went on with the plan and booked.
      const failedAsks = own.requests.filter((r) => r.includes("GetUserInformation"));
      expect(failedAsks.length).toBeGreaterThanOrEqual(1);
      expect((await (await getStatus(restarting.runtime, id)).json()).status).toBe("completed");
      expect(own.reservations.filter((r) => r.startTime.startsWith(date))).toHaveLength(1);
    });
  }, 45_000);

  it("still books, once, when the server restarts during the wait (it resumes the same absolute wait)", async () => {
    await withOwnSite({}, async (own, restarting) => {
      const date = inDays(22);
      own.release(date, RACE_LEAD_MS + 4_000);
      const body = await (
        await callTool(restarting.runtime, "golf_book_when_open", { date, players: 3, preference: "latest" })
      ).json();
      const id = String(body.result._meta?.[REQUEST_ID_META_KEY]);
      expect(body.result.content[0].text).toMatch(/^Scheduled: Own Links opens/);
      await restarting.restart();
      // The start lists what it resumed.
      expect(restarting.runtime.scheduled).toEqual([
        {
          id,
          tool: "golf_book_when_open",
          statusMessage: expect.stringMatching(/^Scheduled: Own Links opens/),
        },
      ]);
      await vi.waitFor(
        async () =>
          expect((await (await getStatus(restarting.runtime, id)).json()).status).not.toBe("working"),
        { timeout: 20_000, interval: 200 },
      );
      expect((await (await getStatus(restarting.runtime, id)).json()).status).toBe("completed");
      const mine = own.reservations.filter((r) => r.startTime.startsWith(date));
      expect(mine.map((r) => r.startTime)).toEqual([`${date}T17:00:00`]);
    });
  }, 30_000);

  it("settles a race cut off by a restart during ReserveTeeTimes from what the site shows, booking nothing more", async () => {
    await withOwnSite({ retryDelayMs: 1_500 }, async (own, restarting) => {
      const date = inDays(24);
      own.release(date, 1_000);
      // The reservation lands on the site, slowly: the server is restarted while it is under way.
      own.fail({ kind: "slow", delayMs: 2_500, path: "ReserveTeeTimes" }, 1);
      const body = await (
        await callTool(restarting.runtime, "golf_book_when_open", { date, players: 2 })
      ).json();
      const id = String(body.result._meta?.[REQUEST_ID_META_KEY]);
      await vi.waitFor(() => expect(own.requests.some((r) => r.includes("ReserveTeeTimes"))).toBe(true), {
        timeout: 10_000,
        interval: 20,
      });
      await restarting.restart();
      await vi.waitFor(
        async () =>
          expect((await (await getStatus(restarting.runtime, id)).json()).status).not.toBe("working"),
        { timeout: 25_000, interval: 200 },
      );
      const status = await (await getStatus(restarting.runtime, id)).json();
      expect(status.status).toBe("completed");
      expect(status.result.content[0].text).toMatch(/the site confirms this reservation/);
      expect(own.reservations.filter((r) => r.startTime.startsWith(date))).toHaveLength(1);
      expect(own.requests.filter((r) => r.includes("ReserveTeeTimes"))).toHaveLength(1);
    });
  }, 40_000);
});
