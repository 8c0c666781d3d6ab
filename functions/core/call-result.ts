import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Status } from "./status.ts";
import type { AnyToolResult } from "./tool.ts";

/** The key of the request id in every orchestrated result's `_meta`. */
export const REQUEST_ID_META_KEY = "rez-agent-mcp/requestId";

/** The key of the call's status when answered (completed, failed, cancelled, working) in the same `_meta`. */
export const STATUS_META_KEY = "rez-agent-mcp/status";

/** The key of a failed call's error class (UpstreamRejected, BookingIncomplete, ...) in the same `_meta`. */
export const ERROR_TYPE_META_KEY = "rez-agent-mcp/errorType";

/** What a call's CallToolResult is made from: a stored record, or the status document of the same call. */
export interface CallState {
  id: string;
  tool: string;
  status: Status;
  statusMessage: string;
  result?: AnyToolResult;
  /** A failed call's error: its class is named in the answer's `_meta` (never its detail). */
  error?: { type: string };
  /** Set once a scheduled call has recorded its plan: its answer is the plan, not "still running". */
  plannedAt?: string;
}

/** The status URL of a call, from the MCP endpoint's URL. */
export function statusUrlOf(endpointUrl: string, id: string): string {
  return `${endpointUrl.replace(/\/+$/, "")}/status/${id}`;
}

/**
 * The answer to a tools/call in any state: the result when completed, the message as `isError` when failed or
 * cancelled, and the still-running handle `{ requestId, status, statusUrl }` otherwise. The server and the stdio
 * bridge answer alike, so a model sees the same thing through either.
 */
export function callToolResultOf(call: CallState, endpointUrl: string): CallToolResult {
  const _meta = { [REQUEST_ID_META_KEY]: call.id, [STATUS_META_KEY]: call.status };
  switch (call.status) {
    case "completed":
      return { ...(call.result ?? { content: [] }), _meta };
    case "failed":
    case "cancelled": {
      const failure = call.error?.type ? { [ERROR_TYPE_META_KEY]: call.error.type } : {};
      return {
        content: [{ type: "text", text: call.statusMessage }],
        isError: true,
        _meta: { ..._meta, ...failure },
      };
    }
    default: {
      // A scheduled call that recorded its plan answers with the plan; any other call says it is still running.
      const said = call.statusMessage ? ` ${call.statusMessage}` : "";
      const text = call.plannedAt
        ? `${call.statusMessage} (request id ${call.id}: list_requests shows it, get_request_status tells how it went, cancel_request stops it.)`
        : `The ${call.tool} call is still running (request id ${call.id}).${said} Call get_request_status with this requestId and wait: 20 to wait for its result.`;
      return {
        content: [{ type: "text", text }],
        structuredContent: {
          requestId: call.id,
          status: call.status,
          statusUrl: statusUrlOf(endpointUrl, call.id),
        },
        _meta,
      };
    }
  }
}
