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

/**
 * What a call's history holds, or why there is none to show. `detailsOmitted`: how many of its earlier events were
 * answered without their inputs and outputs, to keep the answer within MAX_HISTORY_CHARS.
 */
export type ExecutionHistory =
  | { events: HistoryEvent[]; truncated: boolean; detailsOmitted?: number }
  | { unavailable: string };

/** The port: a call's execution history, wherever it runs. */
export interface ExecutionHistories {
  /** `startedAt` (ISO): when the call was accepted, so a search of logs starts there. */
  historyOf(executionId: string, startedAt?: string): Promise<ExecutionHistory>;
}

/** The most characters kept of a state's input or output (Step Functions keeps 256 KiB; a page needs far less). */
export const MAX_DETAIL_CHARS = 8_192;
/** The most events kept of one execution: its first ones and, past this, its latest ones. */
export const MAX_KEPT_EVENTS = 2_000;

/**
 * The most characters of details one answer carries: a Lambda answers at most 6 MB, and a page needs far less. A
 * long watch's 2,000 kept events with 8 KB inputs and outputs would be 30 MB.
 */
export const MAX_HISTORY_CHARS = 1_000_000;
/** What is kept of an error's cause in an event past the budget. */
const CAUSE_PAST_BUDGET = 200;

/**
 * A history within MAX_HISTORY_CHARS of details: the latest events keep theirs (where a call is, or how it ended);
 * earlier ones, past the budget, keep their state's name and error and the start of the cause, not their input or
 * output.
 */
export function boundedHistory(history: ExecutionHistory, budget = MAX_HISTORY_CHARS): ExecutionHistory {
  if (!("events" in history)) return history;
  let left = budget;
  let omitted = 0;
  const events = [...history.events];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as HistoryEvent;
    if (!event.details) continue;
    const size = Object.values(event.details).reduce((sum, value) => sum + value.length, 0);
    if (size <= left) {
      left -= size;
      continue;
    }
    const { input: _input, output: _output, cause, ...kept } = event.details;
    if (cause !== undefined) {
      kept.cause = cause.length > CAUSE_PAST_BUDGET ? `${cause.slice(0, CAUSE_PAST_BUDGET)}…` : cause;
    }
    events[i] = { ...event, details: kept };
    omitted++;
  }
  return omitted > 0 ? { ...history, events, detailsOmitted: omitted } : history;
}

/** A call's history as an answer shows it: from its execution, searched from its acceptance, within the budget. */
export async function historyOfCall(
  histories: ExecutionHistories,
  call: { executionId: string; createdAt: string },
): Promise<ExecutionHistory> {
  if (!call.executionId) return { unavailable: "This call ran no execution." };
  return boundedHistory(await histories.historyOf(call.executionId, call.createdAt));
}

/** A state's input or output, an error's cause, as a history shows it: no secret in any encoding, and not too long. */
export function historyDetail(text: string): string {
  const redacted = redactText(text);
  return redacted.length > MAX_DETAIL_CHARS ? `${redacted.slice(0, MAX_DETAIL_CHARS)}…` : redacted;
}
