import { describe, expect, it } from "vitest";
import type { Answered } from "../../functions/core/front.ts";
import { requestLine } from "../../local/request-log.ts";

const ID = "0b6c2f7e-3a41-4d0e-9a57-1c2d3e4f5a6b";
const at = new Date(2026, 10, 25, 7, 41, 3);

function answered(path: string, rpc: Answered["rpc"], status: number, body: unknown): Answered {
  const response = new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
  return { method: rpc.method ? "POST" : "GET", path, rpc, response, durationMs: 37.6 };
}

describe("the terminal line per request", () => {
  it.each([
    [
      "a call started as a task",
      answered("/mcp", { method: "tools/call", tool: "golf_book_tee_time" }, 200, {
        result: { task: { taskId: ID, status: "working" } },
      }),
      `07:41:03 tools/call golf_book_tee_time → working, 38 ms, request ${ID}`,
    ],
    [
      "a failed call answered inline",
      answered("/mcp", { method: "tools/call", tool: "get_weather" }, 200, {
        result: {
          isError: true,
          content: [{ type: "text", text: "secret stuff" }],
          _meta: {
            "rez-agent-mcp/requestId": ID,
            "rez-agent-mcp/status": "failed",
            "rez-agent-mcp/errorType": "UpstreamRejected",
          },
        },
      }),
      `07:41:03 tools/call get_weather → failed (UpstreamRejected), 38 ms, request ${ID}`,
    ],
    [
      "an argument error",
      answered("/mcp", { method: "tools/call", tool: "get_weather" }, 200, {
        error: { code: -32602, message: "location is 12 Elm St" },
      }),
      "07:41:03 tools/call get_weather → error -32602 (HTTP 200), 38 ms",
    ],
    [
      "a status poll",
      answered(`/mcp/status/${ID}`, {}, 200, { id: ID, status: "completed" }),
      `07:41:03 GET status → completed, 38 ms, request ${ID}`,
    ],
    [
      "a status poll of a failed call",
      answered(`/mcp/status/${ID}`, {}, 200, {
        id: ID,
        status: "failed",
        error: { type: "ValidationFailed", message: "No place named Atlantis" },
      }),
      `07:41:03 GET status → failed (ValidationFailed), 38 ms, request ${ID}`,
    ],
    [
      "a console sign-in",
      { ...answered("/console/api/session", {}, 204, {}), method: "POST" },
      "07:41:03 POST console sign-in → HTTP 204, 38 ms",
    ],
    [
      "a console cancel",
      {
        ...answered(`/console/api/requests/${ID}/cancel`, {}, 200, { id: ID, status: "cancelled" }),
        method: "POST",
      },
      `07:41:03 POST console cancel → cancelled, 38 ms, request ${ID}`,
    ],
    [
      "a refused key",
      answered("/mcp", {}, 401, { error: "unauthorized" }),
      "07:41:03 GET /mcp → HTTP 401, 38 ms",
    ],
  ])("says what %s asked and how it ended, never what it carried", async (_, exchange, line) => {
    const said = await requestLine(exchange, at);
    expect(said).toBe(line);
    expect(said).not.toMatch(/secret|Elm/);
  });

  it.each([
    "/console/",
    "/console/app.js",
    "/console/api/requests",
    `/console/api/requests/${ID}`,
    "/console/api/session",
  ])("says nothing of the console's read of %s (it polls every few seconds)", async (path) => {
    expect(await requestLine(answered(path, {}, 200, {}), at)).toBeUndefined();
  });
});
