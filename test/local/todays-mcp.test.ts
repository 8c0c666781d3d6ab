import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { startServer } from "../faults/server-process.ts";
import { KEY } from "./harness.ts";
import { META, metaWith, modernClient } from "./modern-client.ts";

/**
 * Issue 20's "done when", as its users run it: `npm start -- --upstreams simulated` (the program itself, in a process
 * of its own), a plain-fetch 2026-07-28 client, a connector-shaped request, a 2025-11-25 SDK client and the stdio
 * bridge, all against that one server.
 */

const children: ChildProcess[] = [];
let mcpUrl: string;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "rez-todays-mcp-"));
  ({ mcpUrl } = await startServer(["--upstreams", "simulated", "--data-dir", dataDir], KEY, children));
}, 60_000);
afterAll(async () => {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => new Promise((done) => child.once("exit", done))));
  await rm(dataDir, { recursive: true, force: true });
});

const modern = modernClient(() => mcpUrl);
/** Claude Code's capabilities: it asks its user (form elicitation) and runs task-returning calls in the background. */
const CLAUDE_CODE = metaWith({ elicitation: {}, extensions: { "io.modelcontextprotocol/tasks": {} } });
const inDays = (days: number) => addDays(localParts("America/Los_Angeles", new Date()).date, days);
const call = (name: string, args: Record<string, unknown>, more: Record<string, unknown> = {}) =>
  modern("tools/call", { name, arguments: args, ...more }, {}, CLAUDE_CODE);
const taskGet = (taskId: string) => modern("tasks/get", { taskId }, {}, CLAUDE_CODE);
/** Confirms a call that asked for confirmation: the retry with the user's accept under the state it was given. */
async function confirmed(name: string, args: Record<string, unknown>) {
  const asked = await call(name, args);
  expect(asked.body.result.resultType).toBe("input_required");
  expect(asked.body.result.inputRequests.confirm.method).toBe("elicitation/create");
  return call(name, args, {
    requestState: asked.body.result.requestState,
    inputResponses: { confirm: { action: "accept", content: {} } },
  });
}

describe("today's MCP against npm start --upstreams simulated", () => {
  it("discovers the server and lists its tools without initialize", async () => {
    const discovered = await modern("server/discover");
    expect(discovered.body.result.supportedVersions).toEqual(
      expect.arrayContaining(["2026-07-28", "2025-11-25"]),
    );
    expect(discovered.body.result.capabilities.extensions).toHaveProperty(["io.modelcontextprotocol/tasks"]);
    const listed = await modern("tools/list");
    expect(listed.status).toBe(200);
    expect(listed.body.result.tools.map((t: { name: string }) => t.name)).toContain("golf_book_tee_time");
  });

  it("searches (read-only: answered in the request), then books a tee time confirmed by MRTR through its task", async () => {
    const date = inDays(4);
    const search = await call("golf_search_tee_times", { date, players: 2 });
    expect(search.body.result.resultType).toBe("complete");
    const teeTime = search.body.result.structuredContent.teeTimes[0];
    const booked = await confirmed("golf_book_tee_time", { teeSheetId: teeTime.teeSheetId, players: 2 });
    expect(booked.body.result).toMatchObject({ resultType: "task", status: "working" });
    const taskId = booked.body.result.taskId as string;
    let polled = await taskGet(taskId);
    for (let i = 0; i < 30 && polled.body.result.status === "working"; i++) polled = await taskGet(taskId);
    expect(polled.body.result.status).toBe("completed");
    expect(polled.body.result.result.structuredContent).toMatchObject({
      teeSheetId: teeTime.teeSheetId,
      players: 2,
      reservationId: expect.any(Number),
    });
  });

  it("schedules a booking weeks ahead as a task that stays working with its plan, and cancels it", async () => {
    const scheduled = await confirmed("golf_book_when_open", { date: inDays(30), players: 1 });
    const taskId = scheduled.body.result.taskId as string;
    const planned = await taskGet(taskId);
    expect(planned.body.result.status).toBe("working");
    expect(planned.body.result.statusMessage).toMatch(/opens|book/i);
    const cancelled = await modern("tasks/cancel", { taskId }, {}, CLAUDE_CODE);
    expect(cancelled.body.result).toEqual(expect.objectContaining({ resultType: "complete" }));
    expect((await taskGet(taskId)).body.result.status).toBe("cancelled");
  });

  it("serves claude.ai's connector shape: a 2026-07-28 body under a 2025-11-25 version header", async () => {
    const { status, body } = await modern("tools/list", {}, { "mcp-protocol-version": "2025-11-25" }, META);
    expect(status).toBe(200);
    expect(body.result.resultType).toBe("complete");
  });

  it("serves a 2025-11-25 SDK client unchanged", async () => {
    const client = new Client({ name: "sdk-client", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { "x-api-key": KEY } } }),
    );
    try {
      expect(client.getServerVersion()?.name).toBe("rez-agent-mcp");
      const result = await client.callTool({ name: "get_weather", arguments: { location: "Sample Links" } });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it("has the stdio bridge answer server/discover with what the server speaks", async () => {
    const config = join(dataDir, "bridge.json");
    await writeFile(config, JSON.stringify({ endpoint: mcpUrl, apiKey: KEY }), { mode: 0o600 });
    const bridge = spawn(process.execPath, [new URL("../../client/bridge.ts", import.meta.url).pathname], {
      env: { PATH: process.env.PATH ?? "", HOME: dataDir, REZ_AGENT_MCP_CONFIG: config },
      stdio: ["pipe", "pipe", "pipe"],
    });
    children.push(bridge);
    const line = new Promise<string>((resolve) =>
      createInterface({ input: bridge.stdout }).once("line", resolve),
    );
    bridge.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: META } })}\n`,
    );
    const answer = JSON.parse(await line) as { result: { supportedVersions: string[] } };
    expect(answer.result.supportedVersions).toContain("2026-07-28");
  });
});
