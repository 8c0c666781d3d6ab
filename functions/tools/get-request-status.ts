import type { ToolDefinition } from "../core/tool.ts";
import { PATTERNS } from "../core/validation.ts";

/** get_request_status: answered by the front handler from the request table, with no workflow. */
export const getRequestStatusDefinition = {
  name: "get_request_status",
  title: "Request status",
  description:
    "The status of an earlier tool call by its requestId (from a result's structuredContent or _meta), and its " +
    "result once it has finished. Use it when a call answered that it is still running. Status is one of " +
    "working, input_required, completed, failed, cancelled.",
  inputSchema: {
    type: "object",
    properties: {
      requestId: {
        type: "string",
        pattern: PATTERNS.uuid.pattern,
        description: "The request id of the earlier call",
      },
    },
    required: ["requestId"],
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: {
      id: { type: "string" },
      tool: { type: "string" },
      status: { type: "string", enum: ["working", "input_required", "completed", "failed", "cancelled"] },
      statusMessage: { type: "string" },
      createdAt: { type: "string" },
      lastUpdatedAt: { type: "string" },
      ttl: { type: "number" },
      pollInterval: { type: "number" },
      result: { type: "object" },
      error: { type: "object" },
      execution: { type: "object" },
    },
    required: ["id", "tool", "status", "statusMessage", "createdAt", "lastUpdatedAt"],
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  runs: "front",
} as const satisfies ToolDefinition;
