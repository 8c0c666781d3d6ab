import type { RequestError } from "./record.ts";
import type { TerminalStatus } from "./status.ts";

/** The source of every event the project publishes; the state machine file uses the same literal. */
export const EVENT_SOURCE = "rez-agent-mcp";

export const DETAIL_TYPES = {
  completed: "Tool Call Completed",
  failed: "Tool Call Failed",
  cancelled: "Tool Call Cancelled",
} as const satisfies Record<TerminalStatus, string>;

export type DetailType = (typeof DETAIL_TYPES)[TerminalStatus];

/** The detail of every Tool Call event: no secrets, no personal data beyond the owner id. */
export interface ToolCallEventDetail {
  requestId: string;
  tool: string;
  status: TerminalStatus;
  durationMs?: number;
  owner: string;
  summary: string;
  error?: Pick<RequestError, "type" | "message">;
}

export interface ToolCallEvent {
  source: typeof EVENT_SOURCE;
  detailType: DetailType;
  detail: ToolCallEventDetail;
}

/**
 * An EventBridge event pattern, for the subset of the syntax the project uses: exact values, `prefix`,
 * `anything-but` and `exists`, nested objects for `detail`.
 */
export type EventPatternValue =
  | string
  | number
  | boolean
  | { prefix: string }
  | { "anything-but": (string | number)[] | string | number }
  | { exists: boolean };

export interface EventPattern {
  [field: string]: EventPatternValue[] | EventPattern;
}

/** The rules that ship with the stack, shared by the CDK stack and the local bus. */
export const EVENT_RULES = {
  /** A completed booking sends the owner a push notification (choreography: the workflow knows nothing of it). */
  notifyOnBooking: {
    source: [EVENT_SOURCE],
    "detail-type": [DETAIL_TYPES.completed],
    detail: { tool: ["golf_book_tee_time"] },
  },
} as const satisfies Record<string, EventPattern>;
