import { golferOfCall } from "./golfers.ts";
import type { RequestError, RequestRecord } from "./record.ts";
import { isTerminal, type TerminalStatus } from "./status.ts";
import type { ToolDefinition } from "./tool.ts";

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
  /**
   * Stable across re-deliveries (`<requestId>:<status>`): delivery is at-least-once, so a subscriber drops an
   * event whose eventId it has seen.
   */
  eventId: string;
  requestId: string;
  tool: string;
  status: TerminalStatus;
  durationMs?: number | null;
  owner: string;
  /** The golfer the call acted for (golfers.ts): whose phone hears of a booking. Absent on older events. */
  golfer?: string;
  summary: string;
  error?: Pick<RequestError, "type" | "message">;
}

/** The stable id of a call's one completion event. */
export function eventIdOf(requestId: string, status: TerminalStatus): string {
  return `${requestId}:${status}`;
}

/**
 * The Tool Call event a settled record holds in its outbox fields: the same detail the state machine publishes, so
 * an event re-published later (after a crash, by the sweeper) is the one that would have gone out.
 */
export function eventOfRecord(record: RequestRecord): ToolCallEvent | undefined {
  if (!isTerminal(record.status)) return undefined;
  const status = record.status;
  const detail: ToolCallEventDetail = {
    eventId: eventIdOf(record.id, status),
    requestId: record.id,
    tool: record.tool,
    status,
    durationMs: record.eventDurationMs ?? null,
    owner: record.owner,
    golfer: golferOfCall(record.golfer),
    summary: record.eventSummary ?? `${record.tool} ${status}`,
  };
  if (status === "failed" && record.error) {
    detail.error = { type: record.error.type, message: record.error.message };
  }
  return { source: EVENT_SOURCE, detailType: DETAIL_TYPES[status], detail };
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

/**
 * The rule behind the booking notification: the completed and failed calls of every tool that `notifies`
 * (choreography: the workflow knows nothing of it). The CDK stack and the local bus both build it from the tools.
 */
export function notifyRuleOf(definitions: readonly Pick<ToolDefinition, "name" | "notifies">[]) {
  return {
    source: [EVENT_SOURCE],
    "detail-type": [DETAIL_TYPES.completed, DETAIL_TYPES.failed],
    detail: { tool: definitions.filter((d) => d.notifies).map((d) => d.name) },
  } satisfies EventPattern;
}
