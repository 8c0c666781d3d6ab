import { eventOfRecord } from "../events.ts";
import type { JsonObject } from "../json.ts";
import type { RequestRecord, StatusView } from "../record.ts";
import { redactText } from "../redact.ts";
import type { Status } from "../status.ts";
import { type ToolDefinition, workflowKindOf } from "../tool.ts";

/** How the console names the two state machines (the ASL files' names without `.asl.json`). */
export type MachineName = "tool-call" | "scheduled-booking";

/** The state machine a tool's calls run on. */
export function machineOf(definition: ToolDefinition | undefined): MachineName | undefined {
  if (definition?.runs !== "workflow") return undefined;
  return workflowKindOf(definition) === "scheduled" ? "scheduled-booking" : "tool-call";
}

/** What waits on a scheduled call: a release (with its instant) or a watch (its checks so far, its next check). */
export interface Waiting {
  releaseAt?: string;
  checks?: number;
  nextCheckAt?: string;
  /** A watch's deadline, from its arguments. */
  until?: string;
}

/** One line of the console's list. */
export interface ConsoleRow {
  id: string;
  tool: string;
  title: string;
  status: Status;
  /** One line: why a failure failed, what a success did, what a working call is doing. */
  summary: string;
  createdAt: string;
  /** When it ended (settled), for a finished call. */
  endedAt?: string;
  durationMs?: number;
  /** A scheduled call still waiting, and on what. */
  waiting?: Waiting;
  /** Whether a cancel may still be asked for; `stops` when it would stop the call cleanly. */
  cancel?: "stops" | "requests";
}

/** The first line of a text, at most `max` characters. */
function oneLine(text: string, max = 240): string {
  const line = text.split("\n").find((part) => part.trim() !== "") ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function summaryOf(record: RequestRecord): string {
  switch (record.status) {
    case "failed":
      // Why it failed, in the tool's own words; its type only when there are none.
      return oneLine(record.error?.message || record.error?.type || record.statusMessage);
    case "completed": {
      const text = record.result?.content.find((part) => part.type === "text");
      return oneLine(record.eventSummary ?? (text && "text" in text ? text.text : record.statusMessage));
    }
    default:
      return oneLine(record.statusMessage);
  }
}

export function rowOf(record: RequestRecord, definition: ToolDefinition | undefined): ConsoleRow {
  const row: ConsoleRow = {
    id: record.id,
    tool: record.tool,
    title: definition?.title ?? record.tool,
    status: record.status,
    summary: redactText(summaryOf(record)),
    createdAt: record.createdAt,
  };
  if (record.settledAt) {
    row.endedAt = record.settledAt;
    row.durationMs = Math.max(0, Date.parse(record.settledAt) - Date.parse(record.createdAt));
  }
  if (record.status === "working" && machineOf(definition) === "scheduled-booking" && !record.toolStartedAt) {
    const waiting: Waiting = {};
    if (record.releaseAt) waiting.releaseAt = record.releaseAt;
    if (record.watchChecks !== undefined) waiting.checks = record.watchChecks;
    if (record.nextCheckAt) waiting.nextCheckAt = record.nextCheckAt;
    if (typeof record.arguments.until === "string") waiting.until = record.arguments.until;
    row.waiting = waiting;
  }
  if (record.status === "working" || record.status === "input_required") {
    row.cancel = record.toolStartedAt ? "requests" : "stops";
  }
  return row;
}

/** Redacted JSON: a value as the page may show it. */
function redactedJson<T>(value: T): T {
  return JSON.parse(redactText(JSON.stringify(value))) as T;
}

/** A request's page: its row, its record as the status route shows it, its arguments, its event. */
export function detailOf(record: RequestRecord, definition: ToolDefinition | undefined, view: StatusView) {
  const event = eventOfRecord(record);
  return {
    row: rowOf(record, definition),
    status: redactedJson(view),
    arguments: redactedJson(record.arguments as JsonObject),
    machine: machineOf(definition) ?? null,
    toolStartedAt: record.toolStartedAt ?? null,
    cancelRequestedAt: record.cancelRequestedAt ?? null,
    notifies: definition?.notifies === true,
    push: record.push ?? null,
    event: event
      ? {
          // The outbox says whether it went out: pending until the bus took it.
          published: record.outbox !== "pending",
          detailType: event.detailType,
          detail: redactedJson(event.detail),
        }
      : null,
  };
}
