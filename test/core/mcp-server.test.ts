import { describe, expect, it } from "vitest";
import { Catalog } from "../../functions/core/catalog.ts";
import { createMcpHandler, type McpOperations, PROTOCOL_VERSIONS } from "../../functions/core/mcp-server.ts";
import { ToolRegistry } from "../../functions/core/tool.ts";
import { golfCatalog } from "../../functions/tools/golf-catalog.ts";
import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";

/** The constant answers (initialize, ping, tools/list) are exactly what the SDK server answers. */

const handler = (fastPath: boolean) =>
  createMcpHandler({
    name: "rez-agent-mcp",
    version: "0.1.0",
    tools: new ToolRegistry(TOOL_DEFINITIONS),
    operations: {} as McpOperations,
    catalog: new Catalog(golfCatalog([])),
    onUnexpectedError: () => {},
    fastPath,
  });

async function answer(fastPath: boolean, body: unknown, accept = "application/json, text/event-stream") {
  const request = new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: { "content-type": "application/json", accept },
  });
  const response = await handler(fastPath)({ request, parsedBody: body, principal: { owner: "o" } });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: text ? JSON.parse(text) : null,
  };
}

const initialize = (version: string, id: string | number = 1) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "t", version: "1" } },
});

describe("the constant answers", () => {
  it.each<[string, unknown]>([
    ...PROTOCOL_VERSIONS.map((v): [string, unknown] => [`initialize ${v}`, initialize(v)]),
    ["initialize with a string id", initialize("2025-11-25", "abc")],
    ["ping", { jsonrpc: "2.0", id: 7, method: "ping" }],
    ["tools/list", { jsonrpc: "2.0", id: 8, method: "tools/list" }],
    ["tools/list with empty params", { jsonrpc: "2.0", id: 9, method: "tools/list", params: {} }],
  ])("answer %s as the SDK does", async (_, body) => {
    expect(await answer(true, body)).toEqual(await answer(false, body));
  });

  it("leave a request without the Accept the transport requires to the SDK", async () => {
    const body = { jsonrpc: "2.0", id: 1, method: "ping" };
    const fast = await answer(true, body, "application/json");
    expect(fast).toEqual(await answer(false, body, "application/json"));
    expect(fast.status).toBe(406);
  });
});
