import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { MAX_HISTORY_CHARS } from "../../functions/core/execution-history.ts";
import {
  EVENTS_PER_CHECK,
  MAX_CHECKS,
  WATCH_HISTORY_BUDGET,
} from "../../functions/tools/golf-watch-tee-times.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import type { NtfySimulator } from "../../local/simulators/ntfy.ts";
import { callTool, getStatus, type Harness, KEY, startHarness } from "./harness.ts";

/** golf_watch_tee_times through the scheduled-booking state machine: a full date watched until a time frees up. */

let harness: Harness;
const ZONE = "America/Los_Angeles";
const inDays = (n: number) => addDays(localParts(ZONE, new Date()).date, n);
const site = () => harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
const pushes = () => (harness.runtime.simulators.ntfy as NtfySimulator).received;
/** The pushes sent since `from` (an index into the simulated phone's messages), once they have had time to arrive. */
async function pushesSince(from: number, expected: number) {
  await vi.waitFor(() => expect(pushes().length).toBeGreaterThanOrEqual(from + expected), { timeout: 5_000 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return pushes().slice(from);
}

beforeAll(async () => {
  harness = await startHarness({ watchCadenceScale: 0.005 });
});
afterAll(() => harness.close());

async function call(name: string, args: Record<string, unknown>) {
  const body = await (await callTool(harness.runtime, name, args)).json();
  expect(body.error).toBeUndefined();
  return body.result as {
    isError?: boolean;
    content: { text: string }[];
    structuredContent?: Record<string, unknown>;
    _meta?: Record<string, unknown>;
  };
}

async function finished(id: string) {
  await vi.waitFor(
    async () => expect((await (await getStatus(harness.runtime, id)).json()).status).not.toBe("working"),
    { timeout: 15_000, interval: 100 },
  );
  return (await getStatus(harness.runtime, id)).json();
}

/** Fills every seat of those tee times, as other golfers would. */
const fill = (date: string, times: string[]) => {
  for (const time of times) {
    const id = site().teeSheetId(date, time);
    site().takeSpots(id, site().openSpots(id));
  }
};

/** A watch of a window kept full, on a runtime that checks a millisecond apart, run until it fails. */
async function watchUntilFailed(
  fast: Harness,
  window: { date: string; startTime: string; endTime: string },
  untilMs: number,
) {
  const golf = fast.runtime.simulators.golf["sample-links"] as GolfSimulator;
  for (let t = window.startTime; t <= window.endTime; t = addMinutes(t, 10)) {
    const id = golf.teeSheetId(window.date, t);
    golf.takeSpots(id, golf.openSpots(id));
  }
  const body = await (
    await callTool(fast.runtime, "golf_watch_tee_times", {
      ...window,
      until: new Date(Date.now() + untilMs).toISOString(),
    })
  ).json();
  const id = String(body.result._meta[REQUEST_ID_META_KEY]);
  // 2,000 checks take about a minute and a half on a quiet 2-core machine, several on a busy one: the wait bounds a
  // watch that never ends, not the machine's speed.
  await vi.waitFor(
    async () => expect((await (await getStatus(fast.runtime, id)).json()).status).toBe("failed"),
    { timeout: 420_000, interval: 250 },
  );
  return { id, status: await (await getStatus(fast.runtime, id)).json() };
}

/** HH:MM plus `minutes`. */
function addMinutes(hhmm: string, minutes: number): string {
  const total = Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)) + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

/** A runtime whose watches check a millisecond apart, at a pace no site would allow (the tests' own simulator). */
const FAST = { watchCadenceScale: 1e-7, golfPace: { perSecond: 1e6, burst: 100 } };

describe("golf_watch_tee_times", () => {
  it("watches a full window and books the first time that frees up, once", async () => {
    const date = inDays(3);
    // Someone's reservation at 12:20 (ours, made earlier), everything else in the window full.
    const earlier = await call("golf_book_tee_time", {
      teeSheetId: site().teeSheetId(date, "12:20"),
      players: 4,
    });
    fill(date, ["12:00", "12:10", "12:30"]);
    const until = new Date(Date.now() + 20_000).toISOString();
    const pushedBefore = pushes().length;
    const watching = await call("golf_watch_tee_times", {
      date,
      players: 2,
      startTime: "12:00",
      endTime: "12:30",
      until,
    });
    expect(watching.content[0]?.text).toMatch(
      /^Watching Sample Links on .* for 2 players until .*: 1 check so far, nothing open yet/,
    );
    const id = String(watching._meta?.[REQUEST_ID_META_KEY]);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const listed = await call("list_requests", { status: "working" });
    expect(JSON.stringify(listed.structuredContent)).toMatch(/checks so far/);
    await call("golf_cancel_reservation", { reservationId: earlier.structuredContent?.reservationId });
    const status = await finished(id);
    expect(status.status).toBe("completed");
    expect(status.result.structuredContent).toMatchObject({
      players: 2,
      startTime: expect.stringContaining(`${date}T12:20`),
    });
    // A time that freed up was not "booked when the date opened": that is a release's race.
    expect(status.result.content[0].text).toMatch(/^Booked Sample Links/);
    expect(status.result.content[0].text).not.toMatch(/booked when .* opened/);
    const ours = site().reservations.filter((r) => r.startTime.startsWith(`${date}T12:20`) && !r.cancelled);
    expect(ours.map((r) => r.players)).toEqual([2]);
    // The golfer is told once: the earlier booking's push, then the watch's.
    const told = (await pushesSince(pushedBefore, 2)).filter((p) => p.message.includes(date));
    expect(told.map((p) => p.title)).toEqual(["Tee time booked", "Tee time booked"]);
    expect(told[1]?.message).toMatch(/^Booked Sample Links on .* at 12:20 for 2 players/);
  }, 30_000);

  it("only reports an opening with book: false, and books nothing", async () => {
    const date = inDays(4);
    const watching = await call("golf_watch_tee_times", {
      date,
      startTime: "15:00",
      endTime: "15:10",
      until: new Date(Date.now() + 10_000).toISOString(),
      book: false,
    });
    const status = await finished(String(watching._meta?.[REQUEST_ID_META_KEY]));
    expect(status.status).toBe("completed");
    expect(status.result.content[0].text).toMatch(
      /^2 matching tee times opened at Sample Links[\s\S]*\nNothing was booked \(book: false\)/,
    );
    expect(site().reservations.filter((r) => r.startTime.startsWith(date))).toEqual([]);
  }, 20_000);

  it("ends at its deadline, saying nothing opened and nothing was booked", async () => {
    const date = inDays(5);
    fill(date, ["16:00"]);
    const pushedBefore = pushes().length;
    const watching = await call("golf_watch_tee_times", {
      date,
      startTime: "16:00",
      endTime: "16:00",
      until: new Date(Date.now() + 2_000).toISOString(),
    });
    const status = await finished(String(watching._meta?.[REQUEST_ID_META_KEY]));
    expect(status.status).toBe("failed");
    expect(status.statusMessage).toMatch(
      /Nothing matching opened at Sample Links on .* \(\d+ checks\)\. Nothing was booked\./,
    );
    // list_requests says why it failed, not "golf_watch_tee_times failed".
    const listed = await call("list_requests", { status: "failed", tool: "golf_watch_tee_times" });
    expect(JSON.stringify(listed.structuredContent)).toMatch(/Nothing matching opened at Sample Links/);
    // One push, saying what happened and what to do next.
    const told = (await pushesSince(pushedBefore, 1)).filter((p) => p.message.includes(date));
    expect(told).toHaveLength(1);
    expect(told[0]?.title).toBe("Tee time not booked");
    expect(told[0]?.message).toMatch(/Nothing matching opened[\s\S]*\nNext: ask Claude what is open now/);
  }, 20_000);
});

describe("a watch's history", () => {
  it("writes EVENTS_PER_CHECK events a check and, at its most checks, stays within the history budget", async () => {
    // Prepare: checks a millisecond apart (the cadence scaled down), a window that never frees up
    const fast = await startHarness(FAST);
    try {
      const window = { date: inDays(6), startTime: "10:00", endTime: "10:10" };
      const watch = async (untilMs: number) => {
        const { id, status } = await watchUntilFailed(fast, window, untilMs);
        const checks = Number(/\((\d+) checks\)/.exec(status.statusMessage)?.[1]);
        return { id, checks, events: fast.runtime.workflow.historyEventsOf(id) ?? 0, status };
      };
      // Act: a watch ended by its deadline after a few checks, and one ended by its most checks
      const short = await watch(300);
      const longest = await watch(3 * 3_600_000);
      // Assess
      expect(longest.checks).toBe(MAX_CHECKS);
      expect(longest.status.statusMessage).toMatch(/the most one watch makes/);
      // A retry under load adds a few events of its own: the figure per check holds to a twentieth.
      expect((longest.events - short.events) / (longest.checks - short.checks)).toBeCloseTo(
        EVENTS_PER_CHECK,
        1,
      );
      expect(longest.events).toBeLessThanOrEqual(WATCH_HISTORY_BUDGET);
      // Its path, as the history route answers it, fits an answer a Lambda can give (6 MB), its latest steps whole.
      const answer = await (
        await fetch(`${fast.runtime.mcpUrl}/status/${longest.id}/history`, { headers: { "x-api-key": KEY } })
      ).text();
      expect(answer.length).toBeLessThan(MAX_HISTORY_CHARS * 1.5);
      const history = JSON.parse(answer) as {
        detailsOmitted?: number;
        events: { details?: { input?: string } }[];
      };
      expect(history.detailsOmitted).toBeGreaterThan(0);
      expect(history.events.slice(-10).some((event) => event.details?.input !== undefined)).toBe(true);
    } finally {
      await fast.close();
    }
  }, 480_000);

  it("fails an execution past its history limit, as Step Functions would", async () => {
    // Prepare: a runtime whose runner allows only 200 events
    const tight = await startHarness({ ...FAST, historyEventLimit: 200 });
    try {
      // Act, and the call is settled as failed
      const { status } = await watchUntilFailed(
        tight,
        { date: inDays(6), startTime: "11:00", endTime: "11:00" },
        3_600_000,
      );
      // Assess: saying why
      expect(JSON.stringify(status)).toMatch(/history reached Step Functions' limit of 200 events/);
    } finally {
      await tight.close();
    }
  }, 60_000);
});
