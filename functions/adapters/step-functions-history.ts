import type { GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import {
  type ExecutionHistories,
  type ExecutionHistory,
  type HistoryEvent,
  historyDetail,
  MAX_KEPT_EVENTS,
} from "../core/execution-history.ts";

/** The Step Functions SDK's history command and a client, loaded on first use. */
export interface HistoryConnection {
  sdk: { GetExecutionHistoryCommand: typeof GetExecutionHistoryCommand };
  client: Pick<SFNClient, "send">;
}

/** The fields of an event's details a reader needs, redacted and cut like the local runtime's. */
const KEPT_FIELDS = ["name", "input", "output", "error", "cause", "resource"] as const;

/**
 * A call's execution history on AWS: GetExecutionHistory of its Standard execution, in the same shape the local
 * runtime records (functions/core/execution-history.ts). Express executions keep no history in Step Functions: theirs
 * is read from their log group (`express`, express-log-history.ts) where the stack says which it is.
 */
export class StepFunctionsHistories implements ExecutionHistories {
  readonly #connect: () => Promise<HistoryConnection>;
  #connection: Promise<HistoryConnection> | undefined;

  readonly #express: ExecutionHistories | undefined;

  constructor(connect: () => Promise<HistoryConnection>, express?: ExecutionHistories) {
    this.#connect = connect;
    this.#express = express;
  }

  async historyOf(executionId: string, startedAt?: string): Promise<ExecutionHistory> {
    if (executionId.includes(":express:")) {
      if (this.#express) return this.#express.historyOf(executionId, startedAt);
      return {
        unavailable:
          "Express executions keep no history in Step Functions: find this one in the express state machine's log group.",
      };
    }
    this.#connection ??= this.#connect();
    const { sdk, client } = await this.#connection;
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new sdk.GetExecutionHistoryCommand({
          executionArn: executionId,
          maxResults: 1000,
          includeExecutionData: true,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const event of page.events ?? []) {
        events.push({
          id: event.id ?? events.length + 1,
          previousEventId: event.previousEventId ?? 0,
          timestamp: (event.timestamp ?? new Date(0)).toISOString(),
          type: event.type ?? "Unknown",
          ...detailsOf(event as unknown as Record<string, unknown>),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken && events.length < MAX_KEPT_EVENTS);
    return { events, truncated: Boolean(nextToken) };
  }
}

/** The one `...EventDetails` member of an event, flattened to the kept fields. */
function detailsOf(event: Record<string, unknown>): { details?: Record<string, string> } {
  const key = Object.keys(event).find((name) => name.endsWith("EventDetails"));
  return keptDetails(key ? event[key] : undefined);
}

/** An event's details as a history shows them: the kept fields, redacted and cut. */
export function keptDetails(raw: unknown): { details?: Record<string, string> } {
  if (typeof raw !== "object" || raw === null) return {};
  const details: Record<string, string> = {};
  for (const field of KEPT_FIELDS) {
    const value = (raw as Record<string, unknown>)[field];
    if (typeof value === "string") details[field] = historyDetail(value);
  }
  return Object.keys(details).length > 0 ? { details } : {};
}
