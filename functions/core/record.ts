import { golferOfCall } from "./golfers.ts";
import type { JsonObject } from "./json.ts";
import type { WorkflowInput } from "./ports.ts";
import type { Status } from "./status.ts";
import type { AnyToolResult } from "./tool.ts";

/** What the operator and the model learn about a failure: never a stack trace, never a secret. */
export interface RequestError {
  /** The error class: UpstreamUnavailable, UpstreamRejected, NotConfigured, ValidationFailed, States.Timeout, ... */
  type: string;
  message: string;
  upstreamStatus?: number;
}

/** One tool call, as stored in the request table. The id is also the execution name. */
export interface RequestRecord {
  id: string;
  owner: string;
  /** The golfer the call acts for; absent on calls recorded before golfers (golferOfCall), NO_GOLFER for none. */
  golfer?: string;
  tool: string;
  status: Status;
  statusMessage: string;
  arguments: JsonObject;
  argumentsDigest: string;
  executionId: string;
  createdAt: string;
  lastUpdatedAt: string;
  /** Epoch seconds, the table's TTL attribute. */
  expiresAt: number;
  result?: AnyToolResult;
  error?: RequestError;
  /**
   * Present only while working: when the call was accepted. The request table's sparse `working` index is keyed on
   * it, so the sweeper finds the calls still working without a scan.
   */
  workingSince?: string;
  /** When a scheduled call recorded its plan (its statusMessage says when and what it will book). */
  plannedAt?: string;
  /** A scheduled booking's release instant (when its date opens), from its plan. */
  releaseAt?: string;
  /** A watch's checks so far and when its next one is due, as its last check recorded them. */
  watchChecks?: number;
  nextCheckAt?: string;
  /** When the workflow began the tool's side effect; after this a cancel can no longer stop it. */
  toolStartedAt?: string;
  /** When a cancel arrived too late to stop the side effect; the call's real outcome is still recorded. */
  cancelRequestedAt?: string;
  /**
   * The outbox: "pending" from the write that settles the record until its event is published. The request table's
   * sparse `outbox` index holds exactly these, so an event lost to a crash is found and published later.
   */
  outbox?: "pending";
  /** When the record settled. */
  settledAt?: string;
  /**
   * Present only while `input_required`: what the task waits on (SEP-2663 in-task input). Its execution starts once
   * every request has its response and the tool's gather step goes ahead.
   */
  input?: PendingInput;
  /** The push the call's outcome sent the golfer, as the booking-notification subscriber recorded it. */
  push?: PushReceipt;
  /** The event's one-line summary and duration, stored with the settlement they describe. */
  eventSummary?: string;
  eventDurationMs?: number | null;
}

/**
 * What became of the push for a call's outcome: `sent` (ntfy took it), `unconfirmed` (ntfy may have delivered it;
 * it is not sent again), `no-topic` (the golfer has no phone to tell).
 */
export interface PushReceipt {
  at: string;
  outcome: "sent" | "unconfirmed" | "no-topic";
  title: string;
}

/** A task's questions to its client, the answers so far, and what its gather step keeps between rounds. */
export interface PendingInput {
  requests: JsonObject;
  responses: JsonObject;
  kept: JsonObject;
}

/** The requests of a pending input not answered yet. */
export function pendingRequests(input: PendingInput): JsonObject {
  return Object.fromEntries(
    Object.entries(input.requests).filter(([key]) => !(key in input.responses)),
  ) as JsonObject;
}

/** What a settling write stores for the call's completion event. */
export interface EventFields {
  summary: string;
  durationMs: number | null;
}

/** How a record leaves `working`. */
export type Settlement =
  | { status: "completed"; statusMessage: string; result: AnyToolResult }
  | { status: "failed"; statusMessage: string; error: RequestError }
  | { status: "cancelled"; statusMessage: string };

/** The status document of `GET /mcp/status/<id>` and of the `get_request_status` tool. */
export interface StatusView {
  id: string;
  tool: string;
  status: Status;
  statusMessage: string;
  createdAt: string;
  lastUpdatedAt: string;
  /** Retention from creation, in milliseconds (MCP tasks' `ttl`). */
  ttl: number;
  /** Suggested milliseconds between polls while working. */
  pollInterval: number;
  result?: AnyToolResult;
  error?: RequestError;
  /** When a scheduled call recorded its plan (its statusMessage is the plan): a client may answer with it then. */
  plannedAt?: string;
  /** While input_required: the requests still waiting for the client's answer. */
  inputRequests?: JsonObject;
  /** The wire names are design.md's (on AWS the id is the execution's ARN, the URL its console page). */
  execution: { arn: string; consoleUrl?: string };
}

export function toStatusView(
  record: RequestRecord,
  options: { pollIntervalMs: number; executionUrl?: string | undefined },
): StatusView {
  const view: StatusView = {
    id: record.id,
    tool: record.tool,
    status: record.status,
    statusMessage: record.statusMessage,
    createdAt: record.createdAt,
    lastUpdatedAt: record.lastUpdatedAt,
    ttl: Math.max(0, record.expiresAt * 1000 - Date.parse(record.createdAt)),
    pollInterval: options.pollIntervalMs,
    execution: { arn: record.executionId },
  };
  if (options.executionUrl) view.execution.consoleUrl = options.executionUrl;
  if (record.result) view.result = record.result;
  if (record.error) view.error = record.error;
  if (record.plannedAt) view.plannedAt = record.plannedAt;
  if (record.status === "input_required" && record.input) view.inputRequests = pendingRequests(record.input);
  return view;
}

/** The input of a call's execution, from its record. */
export function workflowInput(record: RequestRecord): WorkflowInput {
  return {
    requestId: record.id,
    tool: record.tool,
    arguments: record.arguments,
    owner: record.owner,
    golfer: golferOfCall(record.golfer),
    startedAt: Date.parse(record.createdAt),
  };
}
