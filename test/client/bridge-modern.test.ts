import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf-types.ts";
import { KEY } from "../local/harness.ts";
import { BRIDGE, dir, harness, proxy, useBridgeHarness } from "./bridge-harness.ts";

/**
 * The stdio bridge as a 2026-07-28 client speaks to it (Claude Code's stdio servers): no initialize, `_meta` on every
 * request, and everything the endpoint serves coming through, tasks and confirmations included.
 */
useBridgeHarness();

const VERSION = "2026-07-28";
const metaWith = (clientCapabilities: Record<string, unknown>) => ({
  "io.modelcontextprotocol/protocolVersion": VERSION,
  "io.modelcontextprotocol/clientInfo": { name: "stdio-client", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": clientCapabilities,
});
const TASKS_AND_FORMS = metaWith({ elicitation: {}, extensions: { "io.modelcontextprotocol/tasks": {} } });

/** A bridge child driven by raw JSON-RPC lines: what a stdio client of the stateless era sends. */
async function startRawBridge() {
  const config = join(dir, `modern-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(config, JSON.stringify({ endpoint: `${proxy.url}/mcp`, apiKey: KEY }), { mode: 0o600 });
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BRIDGE], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, REZ_AGENT_MCP_CONFIG: config },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  createInterface({ input: child.stdout }).on("line", (line) => {
    const answer = JSON.parse(line) as { id: number };
    waiting.get(answer.id)?.(answer);
  });
  let id = 0;
  const request = (
    method: string,
    params: Record<string, unknown> = {},
    meta = TASKS_AND_FORMS,
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON answers' fields freely
  ): Promise<any> => {
    const sent = ++id;
    const answered = new Promise<Record<string, unknown>>((resolve) => waiting.set(sent, resolve));
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: sent, method, params: { ...params, _meta: meta } })}\n`,
    );
    return answered;
  };
  return { request, close: () => child.kill() };
}

const teeSheet = (days: number, time: string) =>
  (harness.runtime.simulators.golf["sample-links"] as GolfSimulator).teeSheetId(
    addDays(localParts("America/Los_Angeles", new Date()).date, days),
    time,
  );

describe("the bridge in the 2026-07-28 era", () => {
  it("answers server/discover before any initialize with what the endpoint speaks, both eras", async () => {
    const bridge = await startRawBridge();
    try {
      const { result } = await bridge.request("server/discover");
      expect(result).toMatchObject({
        resultType: "complete",
        supportedVersions: expect.arrayContaining(["2026-07-28", "2025-11-25"]),
        capabilities: { extensions: { "io.modelcontextprotocol/tasks": {} }, resources: {} },
        _meta: { "io.modelcontextprotocol/serverInfo": { name: "rez-agent-mcp" } },
      });
    } finally {
      bridge.close();
    }
  });

  it("answers server/discover in the initialize era's words while the endpoint is down", async () => {
    const bridge = await startRawBridge();
    await proxy.down();
    try {
      const { result } = await bridge.request("server/discover");
      expect(result.supportedVersions).toContain("2025-11-25");
      expect(result.supportedVersions).not.toContain("2026-07-28");
    } finally {
      await proxy.up();
      bridge.close();
    }
  });

  it("lists tools without initialize, books through a native task, and follows it with tasks/get", async () => {
    const bridge = await startRawBridge();
    try {
      const listed = await bridge.request("tools/list");
      expect(listed.result.resultType).toBe("complete");
      expect(listed.result.tools.map((t: { name: string }) => t.name)).toContain("golf_book_tee_time");
      const args = { teeSheetId: teeSheet(12, "09:00"), players: 1 };
      const asked = await bridge.request("tools/call", { name: "golf_book_tee_time", arguments: args });
      expect(asked.result.resultType).toBe("input_required");
      const accepted = await bridge.request("tools/call", {
        name: "golf_book_tee_time",
        arguments: args,
        requestState: asked.result.requestState,
        inputResponses: { confirm: { action: "accept", content: {} } },
      });
      expect(accepted.result).toMatchObject({ resultType: "task", status: "working" });
      const taskId = accepted.result.taskId as string;
      let polled = await bridge.request("tasks/get", { taskId });
      for (let i = 0; i < 30 && polled.result.status === "working"; i++) {
        polled = await bridge.request("tasks/get", { taskId });
      }
      expect(polled.result.status).toBe("completed");
      expect(polled.result.result.isError).toBeFalsy();
      expect(polled.result.result.structuredContent.reservationId).toEqual(expect.any(Number));
    } finally {
      bridge.close();
    }
  });

  it("passes the endpoint's refusals through as they are, and says so when the endpoint is down", async () => {
    const bridge = await startRawBridge();
    try {
      const unknown = await bridge.request("tasks/get", { taskId: "no-such-task" });
      expect(unknown.error.code).toBe(-32602);
      await proxy.down();
      const down = await bridge.request("tools/list");
      expect(down.error.message).toMatch(/^rez-agent-mcp: nothing answers at/);
    } finally {
      await proxy.up();
      bridge.close();
    }
  });
});
