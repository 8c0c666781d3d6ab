import type { StateMachine } from "aws-local-stepfunctions";

/** One entry of the runner's event log (the library does not export the type). */
export type EventLog =
  ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/** Step Functions keeps at most this many events in a Standard execution's history; the next one fails it. */
export const HISTORY_EVENT_LIMIT = 25_000;

/**
 * Counts an execution's history events as Step Functions writes them, from the local runner's event log. AWS writes
 * ExecutionStarted; per state an Entered and an Exited event (a Fail state only its Entered); per attempt of a Task
 * a TaskScheduled, a TaskStarted and its end (TaskSucceeded, TaskFailed or TaskTimedOut); and the execution's end.
 * A watch's check (a Task, a record Task, a Choice and a Wait) is 5 + 5 + 2 + 2 = 14 events.
 */
export class HistoryCounter {
  #count = 0;
  /** The Task whose last attempt failed (its end is counted then, not at its exit). */
  #failedTask: string | undefined;

  get count(): number {
    return this.#count;
  }

  /** Counts one event of the runner's log; returns the running total. */
  add(event: EventLog): number {
    switch (event.type) {
      case "ExecutionStarted":
      case "ExecutionSucceeded":
      case "ExecutionFailed":
      case "ExecutionAborted":
      case "ExecutionTimeout":
        this.#count += 1;
        break;
      case "StateEntered":
        // TaskStateEntered, then the first attempt's TaskScheduled and TaskStarted.
        this.#count += event.state.type === "Task" ? 3 : 1;
        break;
      case "StateFailed":
        // An attempt's TaskFailed or TaskTimedOut; a Fail state's failure is the execution's own event.
        if (event.state.type === "Task") {
          this.#count += 1;
          this.#failedTask = event.state.name;
        }
        break;
      case "StateRetried":
        // The next attempt's TaskScheduled and TaskStarted.
        if (event.state.type === "Task") {
          this.#count += 2;
          this.#failedTask = undefined;
        }
        break;
      case "StateExited": {
        // TaskSucceeded (unless the last attempt failed and was caught), then TaskStateExited.
        const succeeded = event.state.type === "Task" && this.#failedTask !== event.state.name;
        this.#count += succeeded ? 2 : 1;
        this.#failedTask = undefined;
        break;
      }
      default:
        break;
    }
    return this.#count;
  }
}
