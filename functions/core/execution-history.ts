import { redactText } from "./redact.ts";

/**
 * An execution's history in the shape Step Functions' GetExecutionHistory reports it: numbered events, each with
 * the id of the one before, a time, a type (`ExecutionStarted`, `TaskStateEntered`, `TaskScheduled`, `TaskFailed`,
 * `ChoiceStateExited`, ...) and its details (a state's name, input and output; a failure's error and cause). The
 * local runtime writes it from its runner's events; on AWS it is read from Step Functions; either way, what a page
 * or a person reads of a call's path is one shape.
 */

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** ISO 8601. */
  timestamp: string;
  type: string;
  details?: Record<string, string>;
}

/** What a call's history holds, or why there is none to show. */
export type ExecutionHistory = { events: HistoryEvent[]; truncated: boolean } | { unavailable: string };

/** The port: a call's execution history, wherever it runs. */
export interface ExecutionHistories {
  /** `startedAt` (ISO): when the call was accepted, so a search of logs starts there. */
  historyOf(executionId: string, startedAt?: string): Promise<ExecutionHistory>;
}

/** The most characters kept of a state's input or output (Step Functions keeps 256 KiB; a page needs far less). */
export const MAX_DETAIL_CHARS = 8_192;
/** The most events kept of one execution: its first ones and, past this, its latest ones. */
export const MAX_KEPT_EVENTS = 2_000;

/** A state's input or output, an error's cause, as a history shows it: no secret in any encoding, and not too long. */
export function historyDetail(text: string): string {
  const redacted = redactText(text);
  return redacted.length > MAX_DETAIL_CHARS ? `${redacted.slice(0, MAX_DETAIL_CHARS)}…` : redacted;
}
