import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { type GolfSimulator, startGolfSimulator } from "../../local/simulators/cps-golf.ts";
import { startServer } from "./server-process.ts";

/**
 * `npm start` killed with SIGKILL in the middle of calls, a booking among them, then started again: every record
 * ends terminal with a truthful message, no booking is made twice, no request is lost. The golf site lives in this
 * process, so it outlives the crash and keeps count of what was really booked.
 */

const KEY = "crash-test-key-0123456789";
const ZONE = "America/Los_Angeles";

let dir: string;
let site: GolfSimulator;
let courses: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-crash-"));
  site = await startGolfSimulator({ courseName: "Crash Links", timeZone: ZONE });
  courses = join(dir, "courses.json");
  await writeFile(
    courses,
    JSON.stringify([
      {
        id: "crash-links",
        name: "Crash Links",
        timeZone: ZONE,
        latitude: 47.6,
        longitude: -122.3,
        origin: site.url,
        courseIds: "1",
      },
    ]),
  );
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts the server on the shared data folder and resolves with its MCP URL. */
function start(): Promise<{ child: ChildProcess; mcpUrl: string }> {
  return startServer(["--courses", courses, "--data-dir", join(dir, "data")], KEY, children);
}

const headers = {
  "x-api-key": KEY,
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** Starts a call as a task and returns its request id at once. */
async function startCall(mcpUrl: string, name: string, args: Record<string, unknown>): Promise<string> {
  const response = await fetch(mcpUrl, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name, arguments: args, task: {} },
    }),
  });
  const { result } = await response.json();
  return result.task.taskId;
}

async function waitFor(check: () => boolean, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a crash in the middle of calls", () => {
  it("ends every call truthfully after a restart, books nothing twice, and asks the site about the booking", async () => {
    const date = addDays(localParts(ZONE, new Date()).date, 3);
    const teeSheetId = site.teeSheetId(date, "09:00");
    const first = await start();

    // Every site request now takes 1.5 s: the calls are all mid-flight when the server dies.
    site.fail({ kind: "slow", delayMs: 1_500, path: ["TeeTimes", "ReserveTeeTimes"] });
    const booking = await startCall(first.mcpUrl, "golf_book_tee_time", { teeSheetId, players: 2 });
    const searches = await Promise.all([
      startCall(first.mcpUrl, "golf_search_tee_times", { date, players: 2 }),
      startCall(first.mcpUrl, "golf_search_tee_times", { date, players: 1, startTime: "12:00" }),
    ]);
    await waitFor(() => site.requests.some((r) => r.endsWith("ReserveTeeTimes")), 10_000);
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    site.heal();

    const second = await start();
    const status = async (id: string) =>
      (await (
        await fetch(`${second.mcpUrl}/status/${id}?wait=10`, { headers: { "x-api-key": KEY } })
      ).json()) as {
        status: string;
        statusMessage: string;
        error?: { type: string };
      };

    // The booking step had started: it is not re-run. The site is asked what became of it, and the reservation the
    // dead server sent (it still landed) is what the record reports, with its confirmation.
    let booked = await status(booking);
    for (let attempt = 0; attempt < 3 && booked.status === "working"; attempt++)
      booked = await status(booking);
    expect(booked.status).toBe("completed");
    await waitFor(() => site.reservations.length > 0, 5_000);
    const made = site.reservations.filter((r) => r.teeSheetId === teeSheetId);
    expect(made).toHaveLength(1);
    const result = (booked as unknown as { result: { structuredContent: Record<string, unknown> } }).result;
    expect(result.structuredContent).toMatchObject({
      reservationId: made[0]?.reservationId,
      confirmationKey: made[0]?.confirmationKey,
      players: 2,
    });
    expect(site.requests.filter((r) => r.endsWith("ReserveTeeTimes"))).toHaveLength(1);

    // The searches are idempotent: re-run after the restart, and completed.
    for (const id of searches) expect((await status(id)).status).toBe("completed");

    // No request lost: all three are the key's tasks, and none is left working.
    const list = await fetch(second.mcpUrl, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tasks/list" }),
    });
    const { tasks } = (await list.json()).result as { tasks: { taskId: string; status: string }[] };
    expect(tasks.map((t) => t.taskId).sort()).toEqual([booking, ...searches].sort());
    expect(tasks.every((t) => t.status !== "working")).toBe(true);
    second.child.kill("SIGTERM");
  }, 60_000);
});
