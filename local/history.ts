import type { StateMachine } from "aws-local-stepfunctions";

/** One entry of the runner's event log (the library does not export the type). */
export type EventLog =
  ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/** Step Functions keeps at most this many events in a Standard execution's history; the next one fails it. */
export const HISTORY_EVENT_LIMIT = 25_000;
