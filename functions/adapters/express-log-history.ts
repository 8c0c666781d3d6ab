import type { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  type ExecutionHistories,
  type ExecutionHistory,
  type HistoryEvent,
  MAX_KEPT_EVENTS,
} from "../core/execution-history.ts";
import { keptDetails } from "./step-functions-history.ts";

/** The CloudWatch Logs SDK's filter command and a client, loaded on first use. */
export interface LogsConnection {
  sdk: { FilterLogEventsCommand: typeof FilterLogEventsCommand };
  client: Pick<CloudWatchLogsClient, "send">;
}

/** How far before the call's acceptance the search starts (clocks differ; the start event is first). */
const SEARCH_LEAD_MS = 60_000;

/** One line of an express state machine's log (level ALL): one history event, as Step Functions writes it. */
interface LogLine {
  id?: string;
  type?: string;
  details?: unknown;
  previous_event_id?: string;
  event_timestamp?: string;
  execution_arn?: string;
}

/**
 * An express execution's history, read from its state machine's log group: Step Functions keeps none for express
 * executions, and logs each history event there instead (the stack sets level ALL). Delivery is best effort and
 * takes a few seconds, so a call just finished may show fewer events, or none yet; that is said, not hidden.
 */
export class ExpressLogHistories implements ExecutionHistories {
  readonly #logGroupName: string;
  readonly #connect: () => Promise<LogsConnection>;
  #connection: Promise<LogsConnection> | undefined;

  constructor(logGroupName: string, connect: () => Promise<LogsConnection>) {
    this.#logGroupName = logGroupName;
    this.#connect = connect;
  }

  async historyOf(executionId: string, startedAt?: string): Promise<ExecutionHistory> {
    // An express execution's ARN ends with an id of Step Functions' own after its name (the request id).
    const name = /:express:[^:]+:([^:]+)/.exec(executionId)?.[1];
    if (!name || !/^[\w-]+$/.test(name)) return { unavailable: "Not an express execution's ARN." };
    this.#connection ??= this.#connect();
    const { sdk, client } = await this.#connection;
    const since = startedAt ? Date.parse(startedAt) - SEARCH_LEAD_MS : undefined;
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new sdk.FilterLogEventsCommand({
          logGroupName: this.#logGroupName,
          filterPattern: `{ $.execution_arn = "*:${name}*" }`,
          ...(since !== undefined && Number.isFinite(since) ? { startTime: since } : {}),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const logged of page.events ?? []) {
        const line = parse(logged.message);
        if (!line?.type || !line.execution_arn?.includes(`:${name}`)) continue;
        events.push({
          id: Number(line.id ?? events.length + 1),
          previousEventId: Number(line.previous_event_id ?? 0),
          timestamp: new Date(Number(line.event_timestamp ?? logged.timestamp ?? 0)).toISOString(),
          type: line.type,
          ...keptDetails(line.details),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken && events.length < MAX_KEPT_EVENTS);
    if (events.length === 0) {
      return {
        unavailable: `No events of this express execution in its log group (${this.#logGroupName}) yet: they arrive a few seconds after it runs, and are kept as long as the group keeps logs.`,
      };
    }
    return { events: events.sort((a, b) => a.id - b.id), truncated: Boolean(nextToken) };
  }
}

function parse(message: string | undefined): LogLine | undefined {
  try {
    return JSON.parse(message ?? "") as LogLine;
  } catch {
    return undefined;
  }
}
