import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { type GolfSimulator, startGolfSimulator } from "../../local/simulators/cps-golf.ts";
import { type NtfySimulator, startNtfySimulator } from "../../local/simulators/ntfy.ts";
import { startServer } from "./server-process.ts";

/**
 * `npm start` killed (SIGKILL) while bookings and pushes are at their upstreams, at several points, then restarted
 * with every call re-sent at once under its Idempotency-Key. Whatever the point: every call ends, each booking is
 * made at most once and its record says what is true, each push reaches the phone at most once, and every finished
 * call has its event in the file exactly once.
 */

const KEY = "crash-sweep-key-0123456789";
const ZONE = "America/Los_Angeles";
const SLOW_MS = 1_500;
const IN_PROGRESS_MS = 200;

let site: GolfSimulator;
let ntfy: NtfySimulator;
let work: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "rez-sweep-"));
  ntfy = await startNtfySimulator();
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await ntfy.close();
  await rm(work, { recursive: true, force: true });
});

function start(dataDir: string, courses: string): Promise<{ child: ChildProcess; mcpUrl: string }> {
  const args = ["--courses", courses, "--data-dir", dataDir, "--sync-budget", "1"];
  return startServer([...args, "--ntfy-url", ntfy.url, "--ntfy-topic", "sweep-topic"], KEY, children, {
    // Every idempotency window short, and the restart past it: nothing may depend on an in-progress record.
    REZ_AGENT_MCP_IN_PROGRESS_MS: String(IN_PROGRESS_MS),
  });
}

interface Call {
  key: string;
  tool: string;
  args: Record<string, unknown>;
}

/** A tools/call under its Idempotency-Key; the request id it answers with, or undefined if the server died. */
async function send(mcpUrl: string, call: Call): Promise<string | undefined> {
  try {
    const response = await fetch(mcpUrl, {
      method: "POST",
      headers: {
        "x-api-key": KEY,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "idempotency-key": call.key,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: call.tool, arguments: call.args },
      }),
    });
    const { result } = (await response.json()) as { result: { _meta: Record<string, string> } };
    return result._meta[REQUEST_ID_META_KEY];
  } catch {
    return undefined;
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const KILL_POINTS = [
  { name: "while the site holds the tee times", golfPath: "LockTeeTimes" },
  { name: "while the site makes the reservations", golfPath: "ReserveTeeTimes" },
  { name: "while ntfy takes the pushes", ntfySlow: true },
  { name: "as soon as the calls are accepted" },
] as const;

/** `npm run bench` runs more rounds (REZ_CRASH_SWEEP_ROUNDS) and reads the counts (REZ_CRASH_SWEEP_REPORT). */
const ROUNDS = Math.max(1, Number(process.env.REZ_CRASH_SWEEP_ROUNDS ?? "1"));
const counts = {
  killPoints: 0,
  requests: 0,
  doubleBookings: 0,
  duplicatePushes: 0,
  lostEvents: 0,
  leftWorking: 0,
};
afterAll(async () => {
  const report = process.env.REZ_CRASH_SWEEP_REPORT;
  if (report) await writeFile(report, `${JSON.stringify(counts)}\n`);
});

const RUNS = Array.from({ length: ROUNDS }, (_, round) =>
  KILL_POINTS.map((point, index) => [point.name, point, round * KILL_POINTS.length + index] as const),
).flat();

describe("a crash at any point, then every call re-sent", () => {
  it.each(RUNS)(
    "%s: nothing doubled, nothing lost, nothing claimed that did not happen",
    async (_, point, index) => {
      site = await startGolfSimulator({ courseName: "Sweep Links", timeZone: ZONE, maxReservations: 100 });
      try {
        const courses = join(work, `courses-${index}.json`);
        await writeFile(
          courses,
          JSON.stringify([
            {
              id: "sweep",
              name: "Sweep Links",
              timeZone: ZONE,
              latitude: 47.6,
              longitude: -122.3,
              origin: site.url,
              courseIds: "1",
            },
          ]),
        );
        const dataDir = join(work, `data-${index}`);
        const date = addDays(localParts(ZONE, new Date()).date, 3);
        const calls: Call[] = [
          ...["09:00", "09:10", "09:20"].map((time) => ({
            key: `book-${index}-${time}`,
            tool: "golf_book_tee_time",
            args: { teeSheetId: site.teeSheetId(date, time), players: 2 },
          })),
          ...[1, 2, 3].map((n) => ({
            key: `push-${index}-${n}`,
            tool: "send_push_notification",
            args: { title: `sweep ${index} push ${n}`, message: "once" },
          })),
        ];

        const first = await start(dataDir, courses);
        if ("golfPath" in point) site.fail({ kind: "slow", delayMs: SLOW_MS, path: point.golfPath });
        if ("ntfySlow" in point) ntfy.fail({ kind: "slow", delayMs: SLOW_MS });
        const pushesBefore = ntfy.requests.length;
        const inFlight = calls.map((call) => send(first.mcpUrl, call));
        if ("golfPath" in point) {
          await until(() => site.requests.some((r) => r.endsWith(point.golfPath)), 10_000);
        } else if ("ntfySlow" in point) {
          await until(() => ntfy.requests.length > pushesBefore, 10_000);
        }
        first.child.kill("SIGKILL");
        await new Promise((resolve) => first.child.once("exit", resolve));
        await Promise.all(inFlight);
        site.heal();
        ntfy.heal();
        // Whatever the dead server had sent still lands (the slow upstreams finish their work), and every
        // idempotency window of the dead server's runs has passed.
        await new Promise((resolve) => setTimeout(resolve, Math.max(SLOW_MS, IN_PROGRESS_MS) + 200));

        const second = await start(dataDir, courses);
        const ids = await Promise.all(calls.map((call) => send(second.mcpUrl, call)));
        const views = await Promise.all(
          ids.map(async (id) => {
            expect(id).toBeDefined();
            for (let attempt = 0; attempt < 5; attempt++) {
              const view = (await (
                await fetch(`${second.mcpUrl}/status/${id}?wait=10`, { headers: { "x-api-key": KEY } })
              ).json()) as { status: string; statusMessage: string };
              if (view.status !== "working") return view;
            }
            return { status: "working", statusMessage: "" };
          }),
        );

        counts.killPoints += 1;
        counts.requests += calls.length;
        for (const [i, call] of calls.entries()) {
          const view = views[i] as { status: string; statusMessage: string };
          if (view.status === "working") counts.leftWorking += 1;
          if (call.tool === "golf_book_tee_time") {
            if (site.reservations.filter((r) => r.teeSheetId === call.args.teeSheetId).length > 1) {
              counts.doubleBookings += 1;
            }
          } else if (ntfy.received.filter((m) => m.title === call.args.title).length > 1) {
            counts.duplicatePushes += 1;
          }
          expect({ call: call.key, status: view.status }).not.toEqual({ call: call.key, status: "working" });
          const nothingDone = /nothing was (done|booked)/i.test(view.statusMessage);
          if (call.tool === "golf_book_tee_time") {
            const made = site.reservations.filter((r) => r.teeSheetId === call.args.teeSheetId).length;
            expect({ call: call.key, atMostOnce: made <= 1 }).toEqual({ call: call.key, atMostOnce: true });
            if (view.status === "completed")
              expect({ call: call.key, made }).toEqual({ call: call.key, made: 1 });
            if (nothingDone) expect({ call: call.key, made }).toEqual({ call: call.key, made: 0 });
          } else {
            const delivered = ntfy.received.filter((m) => m.title === call.args.title).length;
            expect({ call: call.key, atMostOnce: delivered <= 1 }).toEqual({
              call: call.key,
              atMostOnce: true,
            });
            if (view.status === "completed") {
              expect({ call: call.key, delivered }).toEqual({ call: call.key, delivered: 1 });
            }
            if (nothingDone) expect({ call: call.key, delivered }).toEqual({ call: call.key, delivered: 0 });
          }
        }

        // Every finished call's event, exactly once (the outbox publishes what the crash held back). A status is
        // settled a step before its event is published: wait for each to land (on a busy machine that step takes a
        // while), then stop the server, which finishes what it was writing, and count.
        const eventsFile = join(dataDir, "events.jsonl");
        const eventsOf = async () =>
          (await readFile(eventsFile, "utf8").catch(() => ""))
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { detail: { requestId: string } });
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline) {
          const landed = await eventsOf();
          if (ids.every((id) => landed.some((e) => e.detail.requestId === id))) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        second.child.kill("SIGTERM");
        await new Promise((resolve) => second.child.once("exit", resolve));
        const lines = await eventsOf();
        for (const id of ids) {
          expect({ id, events: lines.filter((e) => e.detail.requestId === id).length }).toEqual({
            id,
            events: 1,
          });
        }
      } finally {
        await site.close();
      }
    },
    90_000,
  );
});
