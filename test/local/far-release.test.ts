import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { DEFAULT_FRONT_CONFIG } from "../../functions/core/config.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { startServer } from "../faults/server-process.ts";

/**
 * `npm start -- --upstreams simulated` asked to book a date whose release is 40 days away: it sends nothing to the
 * site meanwhile, keeps the call listed, cancellable and recorded past the release, and books at the release when the
 * machine's clock gets there (the server restarted with its clock moved 40 days on, as a machine left running).
 */

const SHIFTED_CLOCK = new URL("./shifted-clock.ts", import.meta.url).pathname;
const KEY = "far-release-key-0123456789";
const ZONE = "America/Los_Angeles";
const DAY_MS = 86_400_000;
const children: ChildProcess[] = [];
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "rez-far-"));
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  mcpUrl: string;
  golfUrl: string;
  ntfyUrl: string;
}

/** The CLI in simulated mode on the shared data folder, its wall clock moved by `shiftMs`. */
async function start(shiftMs: number): Promise<Server> {
  const { child, mcpUrl, output } = await startServer(
    ["--upstreams", "simulated", "--data-dir", dataDir],
    KEY,
    children,
    { REZ_TEST_CLOCK_SHIFT_MS: String(shiftMs) },
    { nodeArgs: ["--import", SHIFTED_CLOCK], ready: /Press Ctrl\+C to stop\./ },
  );
  const url = (pattern: RegExp) => pattern.exec(output)?.[1] ?? "";
  return {
    child,
    mcpUrl,
    golfUrl: url(/CPS Golf\s+(\S+) \(sample-links\)/),
    ntfyUrl: url(/ntfy\s+(\S+) /),
  };
}

async function rpc(server: Server, method: string, params: unknown) {
  const response = await fetch(server.mcpUrl, {
    method: "POST",
    headers: {
      "x-api-key": KEY,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await response.json()) as { result: Record<string, unknown> }).result;
}

const call = (server: Server, name: string, args: Record<string, unknown>) =>
  rpc(server, "tools/call", { name, arguments: args }) as Promise<{
    content: { text: string }[];
    structuredContent?: Record<string, unknown>;
    _meta: Record<string, string>;
  }>;

async function status(server: Server, id: string) {
  const response = await fetch(`${server.mcpUrl}/status/${id}`, { headers: { "x-api-key": KEY } });
  return (await response.json()) as Record<string, unknown> & {
    status: string;
    ttl: number;
    createdAt: string;
  };
}

const siteRequests = async (server: Server) =>
  ((await (await fetch(`${server.golfUrl}/__sim/requests`)).json()) as { requests: string[] }).requests;

describe("a booking whose date opens 40 days from now", () => {
  it("sends the site nothing before the release, stays listed and cancellable, outlives the wait and books at the release", async () => {
    // Prepare: a date 54 days out at a course that opens dates 14 days ahead
    const date = addDays(localParts(ZONE, new Date()).date, 54);
    const first = await start(0);

    // Act: schedule it, and a second one that is cancelled
    const scheduled = await call(first, "golf_book_when_open", { date, players: 2 });
    const id = scheduled._meta[REQUEST_ID_META_KEY] as string;
    const opensAt = Date.parse(
      /\((\d{4}-\d\d-\d\dT[^)]*Z), by/.exec(scheduled.content[0]?.text ?? "")?.[1] ?? "",
    );
    const other = await call(first, "golf_book_when_open", { date, players: 1, startTime: "15:00" });
    const otherId = other._meta[REQUEST_ID_META_KEY] as string;
    const cancelled = await fetch(`${first.mcpUrl}/status/${otherId}/cancel`, {
      method: "POST",
      headers: { "x-api-key": KEY },
    });
    const afterPlanning = (await siteRequests(first)).length;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const meanwhile = (await siteRequests(first)).slice(afterPlanning);
    const listed = await call(first, "list_requests", { status: "working" });
    const waiting = await status(first, id);

    // Assess: planned 40 days out; nothing asked of the site while waiting; listed; the record outlives the release
    expect(opensAt - Date.now()).toBeGreaterThan(39 * DAY_MS);
    expect(meanwhile).toEqual([]);
    expect(JSON.stringify(listed.structuredContent)).toContain(id);
    expect(waiting.status).toBe("working");
    const retentionMs = DEFAULT_FRONT_CONFIG.retentionSeconds * 1000;
    expect(Date.parse(waiting.createdAt) + waiting.ttl).toBeGreaterThanOrEqual(opensAt + retentionMs);
    expect(((await cancelled.json()) as { status: string }).status).toBe("cancelled");
    const searchesBefore = (await siteRequests(first)).filter((r) => /TeeTimes|LockTeeTimes/.test(r));
    expect(searchesBefore).toEqual([]);

    // Act: the machine's clock comes to 6 s before the release (the server restarted on the same data)
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    const later = await start(opensAt - Date.now() - 6_000);

    // Assess: booked once, at the release, and the golfer told
    await vi.waitFor(async () => expect((await status(later, id)).status).not.toBe("working"), {
      timeout: 60_000,
      interval: 500,
    });
    const booked = await status(later, id);
    expect(booked.status).toBe("completed");
    const reservations = (
      (await (await fetch(`${later.golfUrl}/__sim/reservations`)).json()) as {
        reservations: { teeTime: string; by: string; bookedAt: string }[];
      }
    ).reservations.filter((r) => r.by === "golfer");
    expect(reservations).toHaveLength(1);
    expect(Date.parse(reservations[0]?.bookedAt ?? "")).toBeGreaterThanOrEqual(opensAt);
    expect(reservations[0]?.teeTime.startsWith(date)).toBe(true);
    expect((await status(later, otherId)).status).toBe("cancelled");
    const pushes = await (await fetch(`${later.ntfyUrl}/rez-agent-mcp-demo/json?poll=1`)).text();
    expect(pushes.trim().split("\n").filter(Boolean)).toHaveLength(1);
  }, 120_000);
});
