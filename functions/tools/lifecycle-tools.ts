import type { ToolDefinition } from "../core/tool.ts";
import { requestIdArgument } from "./get-request-status.ts";

/**
 * The lifecycle tools: list and cancel calls, for clients that do not speak MCP tasks (Claude Desktop). Answered
 * by the front handler from the request table, with no workflow, like get_request_status.
 */

const STATUSES = ["working", "input_required", "completed", "failed", "cancelled"];

export const listRequestsDefinition = {
  name: "list_requests",
  title: "List my calls",
  description:
    "Lists this API key's earlier tool calls, newest first, each with its requestId, tool, status and a one-line " +
    "summary; filter by status (for example working, to see what is still running) and by tool. Results come a " +
    "page at a time: pass the nextCursor of one answer as cursor to get the next page.",
  inputSchema: {
    type: "object",
    properties: {
      status: { type: "string", enum: STATUSES, description: "Only calls with this status" },
      tool: { type: "string", pattern: "^[A-Za-z0-9_.-]{1,64}$", description: "Only calls of this tool" },
      limit: { type: "integer", minimum: 1, maximum: 50, description: "Calls per page (default 20)" },
      cursor: { type: "string", maxLength: 2048, description: "The nextCursor of the previous page" },
    },
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: {
      requests: {
        type: "array",
        items: {
          type: "object",
          properties: {
            requestId: { type: "string" },
            tool: { type: "string" },
            status: { type: "string", enum: STATUSES },
            summary: { type: "string" },
            createdAt: { type: "string" },
            lastUpdatedAt: { type: "string" },
          },
          required: ["requestId", "tool", "status", "summary", "createdAt", "lastUpdatedAt"],
        },
      },
      nextCursor: { type: "string" },
    },
    required: ["requests"],
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  runs: "front",
} as const satisfies ToolDefinition;

export const cancelRequestDefinition = {
  name: "cancel_request",
  title: "Cancel a call",
  description:
    "Cancels an earlier tool call by its requestId. A call whose side effect has not started (a booking still " +
    "signing in) is stopped and nothing happens. One that has started cannot be undone: the answer says it may " +
    "still complete, and get_request_status shows the real outcome when it comes. A finished call keeps its status.",
  inputSchema: {
    type: "object",
    properties: {
      requestId: requestIdArgument("The request id of the call"),
    },
    required: ["requestId"],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  runs: "front",
} as const satisfies ToolDefinition;
