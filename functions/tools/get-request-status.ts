import type { ToolDefinition } from "../core/tool.ts";
import { PATTERNS } from "../core/validation.ts";

/** A request id argument (the lifecycle tools take one). */
export const requestIdArgument = (description: string) =>
  ({ type: "string", pattern: PATTERNS.uuid.pattern, description }) as const;

/** The longest `wait` of get_request_status: the status route's long-poll limit. */
export const MAX_STATUS_WAIT_SECONDS = 20;

/** get_request_status: answered by the front handler from the request table, with no workflow. */
export const getRequestStatusDefinition = {
  name: "get_request_status",
  title: "Request status",
  description:
    "The status of an earlier tool call by its requestId (from a result's structuredContent or _meta), and its " +
    "result once it has finished. Use it when a call answered that it is still running: pass wait (seconds, up " +
    "to 20) to have it wait for the call to finish instead of polling. Status is one of working, " +
    "input_required, completed, failed, cancelled.",
  inputSchema: {
    type: "object",
    properties: {
      requestId: requestIdArgument("The request id of the earlier call"),
      wait: {
        type: "number",
        minimum: 0,
        maximum: MAX_STATUS_WAIT_SECONDS,
        description: "Seconds to wait for the call to finish before answering (0: answer at once)",
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
