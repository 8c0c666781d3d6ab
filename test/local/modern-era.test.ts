import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";
import { type Harness, KEY, OTHER_KEY, startHarness } from "./harness.ts";
import { META, modernClient, TASKS, VERSION } from "./modern-client.ts";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const modern = modernClient(() => harness.runtime.mcpUrl);

describe("MCP 2026-07-28", () => {
  it("discovers the server: both eras' versions, capabilities, identity and caching hints", async () => {
    const { status, body } = await modern("server/discover");
    expect(status).toBe(200);
    expect(body.result).toMatchObject({
      resultType: "complete",
      supportedVersions: ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"],
      capabilities: { tools: {} },
      ttlMs: expect.any(Number),
      cacheScope: "public",
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "rez-agent-mcp" } },
    });
    expect(body.result.instructions).toMatch(/durable workflows/);
  });

  it("lists the tools without initialize, in the manifest's order, with caching hints and no task fields", async () => {
    const { status, body } = await modern("tools/list");
    expect(status).toBe(200);
    expect(body.result.resultType).toBe("complete");
    expect(body.result.cacheScope).toBe("public");
    expect(body.result.tools.map((t: { name: string }) => t.name)).toEqual(
      TOOL_DEFINITIONS.map((d) => d.name),
    );
    expect(body.result.tools.some((t: object) => "execution" in t)).toBe(false);
  });

  it("runs a tool to its result, which says it is complete and who served it", async () => {
    const { status, body } = await modern("tools/call", {
      name: "get_weather",
      arguments: { location: "Sample Links" },
    });
    expect(status).toBe(200);
    expect(body.result.resultType).toBe("complete");
    expect(body.result.isError).toBeFalsy();
    expect(body.result.structuredContent.location.name).toBe("Sample Links");
    expect(body.result._meta["io.modelcontextprotocol/serverInfo"].name).toBe("rez-agent-mcp");
    expect(body.result._meta["rez-agent-mcp/requestId"]).toEqual(expect.any(String));
  });

  it("refuses a request without its required _meta with -32602 and HTTP 400", async () => {
    const { status, body } = await modern("tools/list", {}, {}, null);
    expect(status).toBe(400);
    expect(body.error.code).toBe(-32602);
    const noCapabilities = await modern(
      "tools/list",
      {},
      {},
      { "io.modelcontextprotocol/protocolVersion": VERSION },
    );
    expect(noCapabilities.status).toBe(400);
    expect(noCapabilities.body.error.code).toBe(-32602);
  });

  it("answers an unknown version with -32022 and the versions it speaks", async () => {
    const { status, body } = await modern(
      "tools/list",
      {},
      { "mcp-protocol-version": "2099-01-01" },
      { ...META, "io.modelcontextprotocol/protocolVersion": "2099-01-01" },
    );
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: -32022,
      data: { requested: "2099-01-01", supported: expect.arrayContaining(["2026-07-28", "2025-11-25"]) },
    });
  });

  it.each([
    ["a missing MCP-Protocol-Version", { "mcp-protocol-version": null }],
    ["a version header that disagrees with the body", { "mcp-protocol-version": "2025-06-18" }],
    ["a missing Mcp-Method", { "mcp-method": null }],
    ["an Mcp-Method that disagrees", { "mcp-method": "tools/list" }],
    ["a missing Mcp-Name", { "mcp-name": null }],
    ["an Mcp-Name that disagrees", { "mcp-name": "send_push_notification" }],
  ])("refuses %s with -32020 and HTTP 400, and runs nothing", async (_, headers) => {
    const { status, body } = await modern(
      "tools/call",
      { name: "get_weather", arguments: { location: "x" } },
      headers,
    );
    expect(status).toBe(400);
    expect(body.error.code).toBe(-32020);
    expect(body.error.message).toMatch(/^Header mismatch: /);
  });

  it("decodes a Base64 sentinel Mcp-Name before comparing it", async () => {
    const encoded = `=?base64?${Buffer.from("get_weather").toString("base64")}?=`;
    const { status, body } = await modern(
      "tools/call",
      { name: "get_weather", arguments: { location: "Sample Links" } },
      { "mcp-name": encoded },
    );
    expect(status).toBe(200);
    expect(body.result.resultType).toBe("complete");
  });

  it("serves claude.ai's connector pair (a 2026-07-28 body under a 2025-11-25 header), and nothing looser", async () => {
    const connector = await modern("tools/list", {}, { "mcp-protocol-version": "2025-11-25" });
    expect(connector.status).toBe(200);
    expect(connector.body.result.resultType).toBe("complete");
    const looser = await modern("tools/list", {}, { "mcp-protocol-version": "2025-03-26" });
    expect(looser.status).toBe(400);
    expect(looser.body.error.code).toBe(-32020);
  });

  it("calls a version header that disagrees with its body a mismatch, even when the body's version is unknown", async () => {
    const { status, body } = await modern(
      "tools/list",
      {},
      {},
      {
        ...META,
        "io.modelcontextprotocol/protocolVersion": "2025-11-25",
      },
    );
    expect(status).toBe(400);
    expect(body.error.code).toBe(-32020);
  });

  it("answers a method it does not serve with 404 and -32601, and the removed ping and initialize among them", async () => {
    for (const method of ["subscriptions/listen", "ping", "logging/setLevel", "initialize"]) {
      const { status, body } = await modern(method);
      expect(status).toBe(404);
      expect(body.error.code).toBe(-32601);
    }
  });
});

describe("the Tasks extension on the workflows", () => {
  const inDays = (days: number) => addDays(localParts("America/Los_Angeles", new Date()).date, days);
  const teeSheet = (days: number) => {
    const site = harness.runtime.simulators.golf["sample-links"] as {
      teeSheetId(date: string, time: string): number;
    };
    return site.teeSheetId(inDays(days), "10:00");
  };
  const taskCall = (name: string, args: Record<string, unknown>) =>
    modern("tools/call", { name, arguments: args }, {}, TASKS);
  /** A booking scheduled for a date `days` ahead, as a task: its id. */
  const scheduledTask = async (days: number) => {
    const { body } = await taskCall("golf_book_when_open", { date: inDays(days), players: 1 });
    expect(body.result.resultType).toBe("task");
    return body.result.taskId as string;
  };
  const get = (taskId: string, key = KEY) =>
    modern("tasks/get", { taskId }, { "mcp-name": taskId, "x-api-key": key }, TASKS);

  it("is declared by discovery", async () => {
    const { body } = await modern("server/discover");
    expect(body.result.capabilities.extensions).toEqual({ "io.modelcontextprotocol/tasks": {} });
  });

  it("answers a booking with a durable task at once, then tasks/get gives its result inline once it ends", async () => {
    const { status, body } = await taskCall("golf_book_tee_time", {
      teeSheetId: teeSheet(3),
      players: 1,
    });
    expect(status).toBe(200);
    expect(body.result).toMatchObject({
      resultType: "task",
      status: "working",
      taskId: expect.any(String),
      ttlMs: expect.any(Number),
      pollIntervalMs: expect.any(Number),
    });
    const taskId = body.result.taskId as string;
    let polled = await get(taskId);
    for (let i = 0; i < 30 && polled.body.result.status === "working"; i++) polled = await get(taskId);
    expect(polled.body.result).toMatchObject({ resultType: "complete", taskId, status: "completed" });
    expect(polled.body.result.result.structuredContent.reservationId).toEqual(expect.any(Number));
  });

  it("answers a read-only call in the request even when the client takes tasks", async () => {
    const { body } = await taskCall("get_weather", { location: "Sample Links" });
    expect(body.result.resultType).toBe("complete");
    expect(body.result.structuredContent.location.name).toBe("Sample Links");
  });

  it("never answers with a task a client that did not declare the extension", async () => {
    const { body } = await modern("tools/call", {
      name: "golf_book_tee_time",
      arguments: { teeSheetId: teeSheet(4), players: 1 },
    });
    expect(body.result.resultType).toBe("complete");
  });

  it("cancels a scheduled booking's task, honestly, and a poll then says cancelled", async () => {
    const taskId = await scheduledTask(25);
    const cancelled = await modern("tasks/cancel", { taskId }, { "mcp-name": taskId }, TASKS);
    expect(cancelled.body.result).toMatchObject({ resultType: "complete" });
    expect((await get(taskId)).body.result.status).toBe("cancelled");
  });

  it("keeps one key's task from another key, and routes by the task id in Mcp-Name", async () => {
    const taskId = await scheduledTask(30);
    const foreign = await get(taskId, OTHER_KEY);
    expect(foreign.body.error.code).toBe(-32602);
    const misrouted = await modern("tasks/get", { taskId }, { "mcp-name": "another-task" }, TASKS);
    expect(misrouted.status).toBe(400);
    expect(misrouted.body.error.code).toBe(-32020);
  });

  it("refuses the task methods to a client that did not declare the extension (-32021, HTTP 400)", async () => {
    const taskId = await scheduledTask(31);
    for (const method of ["tasks/get", "tasks/cancel", "tasks/update"]) {
      const { status, body } = await modern(method, { taskId }, { "mcp-name": taskId }, META);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({
        code: -32021,
        data: { requiredCapabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } } },
      });
    }
    expect((await get(taskId)).body.result.status).toBe("working");
  });

  it("calls a tool that ran and reported an error completed, with its isError result (SEP-2663)", async () => {
    const { body } = await taskCall("golf_book_tee_time", { teeSheetId: 999_999_999, players: 1 });
    const taskId = body.result.taskId as string;
    let polled = await get(taskId);
    for (let i = 0; i < 30 && polled.body.result.status === "working"; i++) polled = await get(taskId);
    expect(polled.body.result).toMatchObject({ status: "completed", result: { isError: true } });
    expect(polled.body.result.error).toBeUndefined();
    // The record keeps its own word for it.
    const record = await modern("resources/read", { uri: `rez://requests/${taskId}` });
    expect(JSON.parse(record.body.result.contents[0].text).status).toBe("failed");
  });
});
