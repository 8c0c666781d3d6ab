import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../functions/core/execution-history.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { ExecutionRecorder, LocalExecutionHistories } from "../../local/execution-recorder.ts";
import { DEMO_GOLFER } from "../../local/simulators/cps-golf.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf-types.ts";
import type { Simulator } from "../../local/simulators/sim-server.ts";
import { callTool, getStatus, type Harness, KEY, OTHER_KEY, startHarness } from "./harness.ts";

/**
 * Each call's path through its state machine, recorded locally as Step Functions' GetExecutionHistory reports it
 * and served at GET /mcp/status/<id>/history: what a person debugging a call reads.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const requestIdOf = async (response: Response) =>
  (await response.json()).result._meta["rez-agent-mcp/requestId"] as string;
async function historyOf(id: string, key = KEY) {
  const response = await getStatus(harness.runtime, id, "", key).then(() =>
    fetch(`${harness.runtime.mcpUrl}/status/${id}/history`, { headers: { "x-api-key": key } }),
  );
  return { status: response.status, body: (await response.json()) as { events: HistoryEvent[] } };
}

describe("a call's execution history", () => {
  it("shows a booking's path, numbered as Step Functions numbers it, and counts as it counts", async () => {
    const site = harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
    const date = addDays(localParts("America/Los_Angeles", new Date()).date, 3);
    const id = await requestIdOf(
      await callTool(harness.runtime, "golf_book_tee_time", {
        teeSheetId: site.teeSheetId(date, "12:00"),
        players: 1,
      }),
    );
    await harness.runtime.bus.flush();
    await harness.runtime.workflow.drain(10_000);
    const { status, body } = await historyOf(id);
    expect(status).toBe(200);
    const types = body.events.map((e) => e.type);
    expect(types[0]).toBe("ExecutionStarted");
    expect(types.at(-1)).toBe("ExecutionSucceeded");
    expect(body.events.map((e) => e.id)).toEqual(body.events.map((_, i) => i + 1));
    expect(body.events.every((e) => e.previousEventId === e.id - 1)).toBe(true);
    const entered = body.events.filter((e) => e.type === "TaskStateEntered").map((e) => e.details?.name);
    expect(entered).toEqual(expect.arrayContaining(["Mark booking started", "Book tee time"]));
    expect(types).toContain("TaskSucceeded");
    expect(harness.runtime.workflow.historyEventsOf(id)).toBe(body.events.length);
    // Whatever passed through it, no secret is in it: not the golfer's password, not a token.
    const text = JSON.stringify(body);
    expect(text).not.toContain(DEMO_GOLFER.password);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  it("shows where a failed weather call failed, with its error", async () => {
    // Both weather services down: the one it asks first and the one it falls back to.
    const services = [harness.runtime.simulators.nws, harness.runtime.simulators.openMeteo] as Simulator[];
    for (const service of services) service.fail({ kind: "status", status: 503 });
    try {
      const id = await requestIdOf(
        await callTool(harness.runtime, "get_weather", { location: "Sample Links" }),
      );
      const { body } = await historyOf(id);
      const failed = body.events.find((e) => e.type === "TaskFailed");
      expect(failed?.details).toMatchObject({ name: "Get weather", error: "UpstreamUnavailable" });
      expect(body.events.filter((e) => e.type === "TaskScheduled").length).toBeGreaterThan(1);
    } finally {
      for (const service of services) service.heal();
    }
  });

  it("is the caller's own: another key's request is not found", async () => {
    const id = await requestIdOf(
      await callTool(harness.runtime, "get_weather", { location: "Sample Links" }),
    );
    expect((await historyOf(id, OTHER_KEY)).status).toBe(404);
  });
});

describe("recorded histories", () => {
  it("live as long as their records: an expired or missing record's history is pruned, a live one's kept", async () => {
    const folder = await mkdtemp(join(tmpdir(), "rez-histories-"));
    try {
      const histories = new LocalExecutionHistories(folder);
      for (const name of ["kept", "expired", "gone"]) {
        histories.track(name, new ExecutionRecorder());
        await histories.save(name, true);
      }
      const now = Date.parse("2026-12-02T12:00:00Z");
      const expiresAt: Record<string, number> = { kept: now / 1000 + 60, expired: now / 1000 - 1 };
      expect(await histories.prune(async (name) => expiresAt[name], now)).toBe(2);
      expect((await readdir(folder)).sort()).toEqual(["kept.json"]);
      expect(await histories.historyOf("arn:local:execution:gone")).toHaveProperty("unavailable");
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
