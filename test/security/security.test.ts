import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { callTool, type Harness, KEY, MCP_HEADERS, OTHER_KEY, post, startHarness } from "../local/harness.ts";

/** Who may see and do what, and how big anything may be. */

let harness: Harness;
let aliceCall: string;

beforeAll(async () => {
  harness = await startHarness();
  const { result } = await (
    await callTool(harness.runtime, "get_weather", { location: "Sample Links" })
  ).json();
  aliceCall = String(result._meta[REQUEST_ID_META_KEY]);
});
afterAll(() => harness.close());

const rpc = (method: string, params?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id: 9,
  method,
  ...(params ? { params } : {}),
});

describe("authentication", () => {
  it.each([
    ["POST", "/mcp"],
    ["GET", "/mcp"],
    ["GET", "/mcp/status/0b3f7a52-5c1e-4d6a-9b0e-2f4c8d1e6a7b"],
    ["POST", "/mcp/status/0b3f7a52-5c1e-4d6a-9b0e-2f4c8d1e6a7b/cancel"],
  ])("is required on %s %s", async (method, path) => {
    const response = await fetch(`${harness.runtime.url}${path}`, {
      method,
      headers: MCP_HEADERS,
      ...(method === "POST" ? { body: JSON.stringify(rpc("ping")) } : {}),
    });
    expect(response.status).toBe(403);
  });
});

describe("another key's calls", () => {
  it("are invisible on the status and cancel routes (404, as if they did not exist)", async () => {
    const headers = { "x-api-key": OTHER_KEY };
    expect((await fetch(`${harness.runtime.mcpUrl}/status/${aliceCall}`, { headers })).status).toBe(404);
    const cancel = await fetch(`${harness.runtime.mcpUrl}/status/${aliceCall}/cancel`, {
      method: "POST",
      headers,
    });
    expect(cancel.status).toBe(404);
  });

  it.each(["tasks/get", "tasks/result", "tasks/cancel"])("are unknown to %s", async (method) => {
    const answer = await (
      await post(harness.runtime, rpc(method, { taskId: aliceCall }), { "x-api-key": OTHER_KEY })
    ).json();
    expect(answer.error?.code).toBe(-32602);
    expect(JSON.stringify(answer)).not.toContain("Sample Links");
  });

  it("are not listed, and get_request_status does not find them", async () => {
    const listed = await (await post(harness.runtime, rpc("tasks/list"), { "x-api-key": OTHER_KEY })).json();
    expect(listed.result.tasks.map((t: { taskId: string }) => t.taskId)).not.toContain(aliceCall);
    const status = await (
      await callTool(
        harness.runtime,
        "get_request_status",
        { requestId: aliceCall },
        { "x-api-key": OTHER_KEY },
      )
    ).json();
    expect(status.result.isError).toBe(true);
    expect(status.result.content[0].text).toMatch(/No request with id .* was found/);
    // The owner still sees it.
    const own = await (
      await callTool(harness.runtime, "get_request_status", { requestId: aliceCall })
    ).json();
    expect(own.result.structuredContent.status).toBe("completed");
  });

  it("cannot be cancelled by them, and stays as it was", async () => {
    await fetch(`${harness.runtime.mcpUrl}/status/${aliceCall}/cancel`, {
      method: "POST",
      headers: { "x-api-key": OTHER_KEY },
    });
    const mine = await fetch(`${harness.runtime.mcpUrl}/status/${aliceCall}`, {
      headers: { "x-api-key": KEY },
    });
    expect((await mine.json()).status).toBe("completed");
  });
});

describe("size limits", () => {
  it.each([
    ["get_weather", { location: "x".repeat(201) }, '"location" must NOT have more than 200 characters'],
    [
      "send_push_notification",
      { title: "t", message: "m".repeat(4001) },
      '"message" must NOT have more than 4000 characters',
    ],
    ["golf_get_reservations", { course: "c".repeat(101) }, '"course" must NOT have more than 100 characters'],
    [
      "send_push_notification",
      { title: "t", message: "m", tags: ["x".repeat(33)] },
      '"tags.0" must be a short word',
    ],
  ])("refuses an oversized string for %s", async (tool, args, message) => {
    const answer = await (await callTool(harness.runtime, tool, args)).json();
    expect(answer.error.code).toBe(-32602);
    expect(answer.error.message).toContain(message);
  });

  it("refuses a body over 256 KiB with 413, and an idempotency key that is not printable ASCII", async () => {
    const big = await post(harness.runtime, JSON.stringify({ ...rpc("ping"), pad: "x".repeat(300_000) }));
    expect(big.status).toBe(413);
    const key = await (
      await callTool(
        harness.runtime,
        "get_weather",
        { location: "x" },
        { "idempotency-key": "k".repeat(300) },
      )
    ).json();
    expect(key.error.code).toBe(-32602);
  });
});
