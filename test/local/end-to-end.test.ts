import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/mcp-server.ts";
import { connectClient, getStatus, type Harness, readEvents, startHarness } from "./harness.ts";

const QUOTED_NAME = 'The "Old" Course \\ Links';

describe("a tool call end to end on the local runtime", () => {
  let harness: Harness;
  let client: Client;

  beforeAll(async () => {
    const coursesFile = join(await mkdtemp(join(tmpdir(), "rez-agent-mcp-courses-")), "courses.json");
    const courses = JSON.parse(
      await readFile(new URL("../../local/sample-courses.json", import.meta.url), "utf8"),
    );
    courses.courses.push({ ...courses.courses[0], id: "quoted", name: QUOTED_NAME });
    await writeFile(coursesFile, JSON.stringify(courses));
    harness = await startHarness({ coursesFile });
    client = await connectClient(harness.runtime);
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
  });

  it("lists the tools with their schemas and annotations", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "golf_search_tee_times",
      "golf_book_tee_time",
      "golf_book_when_open",
      "golf_watch_tee_times",
      "golf_get_reservations",
      "golf_cancel_reservation",
      "get_weather",
      "send_push_notification",
      "get_request_status",
      "list_requests",
      "cancel_request",
    ]);
    const weather = tools.find((t) => t.name === "get_weather");
    expect(weather?.annotations).toMatchObject({
      readOnlyHint: true,
      idempotentHint: true,
      openWorldHint: true,
    });
    expect(weather?.inputSchema.additionalProperties).toBe(false);
    expect(weather?.outputSchema).toBeDefined();
  });

  it("negotiates the newest protocol version", () => {
    expect(client.getServerVersion()?.name).toBe("rez-agent-mcp");
  });

  it.each([
    ["a configured course", { location: "Sample Links" }, "Sample Links", "nws"],
    ["coordinates", { location: "47.62,-122.35", days: 3 }, "47.62,-122.35 (near Simville, WA)", "nws"],
    ["a place abroad", { location: "Tokyo", units: "si" }, "Tokyo, Tokyo, Japan", "open-meteo"],
  ])("forecasts %s through the state machine, the store and the bus", async (_, args, name, source) => {
    const result = await client.callTool({ name: "get_weather", arguments: args });
    expect(result.isError).toBeFalsy();
    const forecast = result.structuredContent as {
      location: { name: string };
      source: string;
      periods: unknown[];
    };
    expect(forecast.location.name).toBe(name);
    expect(forecast.source).toBe(source);
    expect(forecast.periods.length).toBeGreaterThan(0);
    const text = (result.content as { text: string }[])[0]?.text ?? "";
    expect(text).toContain(`Weather for ${name}`);
    expect(text.split("\n").length).toBe(forecast.periods.length + 2);

    const id = String(result._meta?.[REQUEST_ID_META_KEY]);
    const status = await (await getStatus(harness.runtime, id)).json();
    expect(status).toMatchObject({
      id,
      tool: "get_weather",
      status: "completed",
      statusMessage: "The call completed.",
    });
    // A read-only tool runs on the express state machine.
    expect(status.execution.arn.endsWith(`:express:rez-agent-mcp-tool-call-express:${id}`)).toBe(true);
    expect(status.result.structuredContent).toEqual(result.structuredContent);
    expect(Date.parse(status.lastUpdatedAt)).toBeGreaterThanOrEqual(Date.parse(status.createdAt));
    expect(status.ttl).toBe(30 * 24 * 3600 * 1000 - (Date.parse(status.createdAt) % 1000));

    const events = (await readEvents(harness.runtime)).filter((e) => e.detail.requestId === id);
    expect(events).toHaveLength(1);
    expect(events[0]?.["detail-type"]).toBe("Tool Call Completed");
    expect(events[0]?.detail).toMatchObject({ tool: "get_weather", status: "completed", owner: "alice" });
    expect(events[0]?.detail.durationMs).toBeTypeOf("number");
  });

  it("keeps quotes, backslashes and newlines intact through the workflow and the record", async () => {
    const result = await client.callTool({ name: "get_weather", arguments: { location: "quoted" } });
    expect((result.structuredContent as { location: { name: string } }).location.name).toBe(QUOTED_NAME);
    const id = String(result._meta?.[REQUEST_ID_META_KEY]);
    const status = await (await getStatus(harness.runtime, id)).json();
    expect(status.result.content).toEqual(result.content);
    expect(status.result.structuredContent).toEqual(result.structuredContent);
  });

  it("answers arguments that fail the schema with -32602 and one plain sentence, not a doubled prefix", async () => {
    const error = await client
      .callTool({ name: "golf_search_tee_times", arguments: { date: "next friday" } })
      .catch((e: Error & { code?: number }) => e);
    expect((error as { code?: number }).code).toBe(-32602);
    expect((error as Error).message).toMatch(
      /^MCP error -32602: Invalid arguments for tool golf_search_tee_times: "date" must be a date written YYYY-MM-DD/,
    );
    expect((error as Error).message).not.toMatch(/MCP error -32602: MCP error/);
  });

  it("answers get_request_status from the store", async () => {
    const first = await client.callTool({ name: "get_weather", arguments: { location: "sample-links" } });
    const requestId = String(first._meta?.[REQUEST_ID_META_KEY]);
    const status = await client.callTool({ name: "get_request_status", arguments: { requestId } });
    expect(status.isError).toBeFalsy();
    expect(status.structuredContent).toMatchObject({ id: requestId, status: "completed" });
    expect((status.content as { text: string }[])[0]?.text).toMatch(/is completed/);
  });

  it("says so when get_request_status is asked for an unknown id", async () => {
    const status = await client.callTool({
      name: "get_request_status",
      arguments: { requestId: "00000000-0000-4000-8000-000000000000" },
    });
    expect(status.isError).toBe(true);
    expect((status.content as { text: string }[])[0]?.text).toMatch(/No request with id/);
  });

  it("keeps records across a restart", async () => {
    const result = await client.callTool({ name: "get_weather", arguments: { location: "Denver" } });
    const id = String(result._meta?.[REQUEST_ID_META_KEY]);
    await client.close();
    const runtime = await harness.restart();
    client = await connectClient(runtime);
    const status = await (await getStatus(runtime, id)).json();
    expect(status).toMatchObject({ id, status: "completed" });
    expect(runtime.recovered).toEqual({ restarted: 0, failed: 0 });
  });
});
