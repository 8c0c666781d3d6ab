import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEY, MCP_HEADERS, startHarness } from "./harness.ts";

/** Browsers on the origins the operator allows (a connector's UI, a web client): preflight without the key. */

const ALLOWED = "https://claude.ai";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ front: { allowedOrigins: [ALLOWED] } });
});
afterAll(() => harness.close());

const preflight = (origin: string, path = "/mcp") =>
  fetch(`${harness.runtime.url}${path}`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, x-api-key, mcp-protocol-version, mcp-method",
    },
  });

describe("CORS", () => {
  it("answers an allowed origin's preflight without the key, naming the headers MCP clients send", async () => {
    for (const path of ["/mcp", "/mcp/status/00000000-0000-4000-8000-000000000000"]) {
      const response = await preflight(ALLOWED, path);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
      const headers = response.headers.get("access-control-allow-headers") ?? "";
      for (const header of ["x-api-key", "mcp-protocol-version", "mcp-method", "mcp-name", "content-type"]) {
        expect(headers).toContain(header);
      }
    }
  });

  it("refuses any other origin, preflight or not, with no CORS grant", async () => {
    const response = await preflight("https://evil.example");
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets an allowed origin's page read the answer to a call with the key", async () => {
    const response = await fetch(harness.runtime.mcpUrl, {
      method: "POST",
      headers: { ...MCP_HEADERS, origin: ALLOWED, "x-api-key": KEY },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  });

  it("still needs the key for anything but a preflight", async () => {
    const response = await fetch(harness.runtime.mcpUrl, {
      method: "POST",
      headers: { ...MCP_HEADERS, origin: ALLOWED },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(403);
    expect((await response.json()).error.message).toMatch(/No API key/);
  });
});
