import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ExecutionState, WorkflowInput } from "../../functions/core/ports.ts";
import type { LocalEventBus, PutEventsEntry } from "../bus.ts";
import type { LocalExecutionHistories } from "../execution-recorder.ts";
import { type LocalWorkflow, nameOfArn } from "../workflow.ts";

/**
 * Loopback stand-ins for the AWS APIs the deployed functions call, speaking the services' JSON protocols so the
 * bundles' own SDK clients reach them through AWS_ENDPOINT_URL_*: Step Functions (StartExecution,
 * StartSyncExecution, StopExecution, DescribeExecution, GetExecutionHistory) on the local state machine runner,
 * CloudWatch Logs (FilterLogEvents of an express machine's log group, its lines written from the runner's history
 * as Step Functions logs them), EventBridge (PutEvents) on the local buses, Secrets Manager (GetSecretValue).
 */
export interface StandInOptions {
  /** Each state machine's runner by its ARN, with its type. */
  machines: Record<
    string,
    {
      type: "STANDARD" | "EXPRESS";
      workflow: LocalWorkflow;
      histories: LocalExecutionHistories;
      logging?: { logGroup: string; level: string; includeExecutionData: boolean };
    }
  >;
  /** Buses by name; an entry without EventBusName goes to "default". */
  buses: Record<string, LocalEventBus>;
  secrets: Map<string, string>;
}

class ServiceError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

const epochSeconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);

export async function startStandIns(options: StandInOptions) {
  const machineOf = (arn: string) => {
    const machine = options.machines[arn];
    if (!machine)
      throw new ServiceError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    return machine;
  };
  const started = new Map<string, { input: string; startDate: string; stateMachineArn: string }>();
  /** The machine an execution belongs to: the one it was started on, else the one its ARN names. */
  const machineOfExecution = (executionArn: string) => {
    const named = executionArn
      .slice(0, executionArn.lastIndexOf(":"))
      .replace(":execution:", ":stateMachine:");
    return options.machines[started.get(executionArn)?.stateMachineArn ?? named];
  };

  const stepFunctions: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    StartExecution: async (body) => {
      const arn = String(body.stateMachineArn);
      const machine = machineOf(arn);
      const input = JSON.parse(String(body.input ?? "{}")) as WorkflowInput;
      const name = String(body.name ?? input.requestId);
      const kind = machine.type === "STANDARD" ? "standard" : "express";
      const executionArn = machine.workflow.executionId(name, kind);
      const earlier = started.get(executionArn);
      if (kind === "standard" && earlier) {
        // As Step Functions: the same name and input is the same start; another input is refused.
        if (earlier.input !== String(body.input)) {
          throw new ServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
        }
        const running = (await machine.workflow.describe(executionArn)).status === "RUNNING";
        if (!running)
          throw new ServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
        return { executionArn, startDate: epochSeconds(earlier.startDate) };
      }
      const startDate = new Date().toISOString();
      started.set(executionArn, { input: String(body.input), startDate, stateMachineArn: arn });
      if (kind === "standard") await machine.workflow.start(input, "standard");
      else void machine.workflow.run(input);
      return { executionArn, startDate: epochSeconds(startDate) };
    },
    StartSyncExecution: async (body) => {
      const arn = String(body.stateMachineArn);
      const machine = machineOf(arn);
      if (machine.type !== "EXPRESS") {
        throw new ServiceError(
          "StateMachineTypeNotSupported",
          "StartSyncExecution needs an EXPRESS state machine",
        );
      }
      const input = JSON.parse(String(body.input ?? "{}")) as WorkflowInput;
      const startDate = Date.now() / 1000;
      const state = await machine.workflow.run(input);
      return {
        executionArn: machine.workflow.executionId(String(body.name ?? input.requestId), "express"),
        stateMachineArn: arn,
        name: body.name,
        startDate,
        stopDate: Date.now() / 1000,
        ...syncFields(state),
      };
    },
    StopExecution: async (body) => {
      const executionArn = String(body.executionArn);
      await machineOfExecution(executionArn)?.workflow.stop(executionArn);
      return { stopDate: Date.now() / 1000 };
    },
    GetExecutionHistory: async (body) => {
      // As Step Functions answers it: the history recorded by the runner, each event's details under its type's key.
      const executionArn = String(body.executionArn);
      const history = await machineOfExecution(executionArn)?.histories.historyOf(executionArn);
      if (!history || "unavailable" in history) {
        throw new ServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
      }
      return {
        events: history.events.map((event) => ({
          id: event.id,
          previousEventId: event.previousEventId,
          timestamp: Date.parse(event.timestamp) / 1000,
          type: event.type,
          ...(event.details ? { [detailsKeyOf(event.type)]: event.details } : {}),
        })),
      };
    },
    DescribeExecution: async (body) => {
      const executionArn = String(body.executionArn);
      const machine = machineOfExecution(executionArn);
      const state = machine
        ? await machine.workflow.describe(executionArn)
        : { status: "NOT_FOUND" as const };
      const earlier = started.get(executionArn);
      if (state.status === "NOT_FOUND" || !earlier) {
        throw new ServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
      }
      return {
        executionArn,
        stateMachineArn: earlier.stateMachineArn,
        name: nameOfArn(executionArn),
        startDate: epochSeconds(earlier.startDate),
        input: earlier.input,
        ...syncFields(state),
      };
    },
  };

  const handlers: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    ...Object.fromEntries(Object.entries(stepFunctions).map(([op, run]) => [`AWSStepFunctions.${op}`, run])),
    "AWSEvents.PutEvents": async (body) => {
      const entries = (body.Entries ?? []) as PutEventsEntry[];
      const results: { EventId: string }[] = [];
      for (const entry of entries) {
        const bus = options.buses[entry.EventBusName ?? "default"];
        if (!bus)
          throw new ServiceError(
            "ResourceNotFoundException",
            `Event bus ${entry.EventBusName} does not exist.`,
          );
        const answer = await bus.putEvents([entry]);
        results.push(...answer.Entries);
      }
      return { FailedEntryCount: 0, Entries: results };
    },
    "Logs_20140328.FilterLogEvents": async (body) => {
      const group = String(body.logGroupName);
      const machine = Object.values(options.machines).find((m) => m.logging?.logGroup === group);
      if (!machine?.logging) {
        throw new ServiceError("ResourceNotFoundException", "The specified log group does not exist.");
      }
      // The JSON filter pattern the project uses: one string field, `*` for any run of characters.
      const match = /^\{ \$\.execution_arn = "([^"]+)" \}$/.exec(String(body.filterPattern ?? ""));
      if (!match?.[1]) throw new ServiceError("InvalidParameterException", "Unsupported filter pattern");
      const glob = new RegExp(
        `^${match[1]
          .split("*")
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*")}$`,
      );
      const name = match[1].replaceAll("*", "").replace(/^:/, "");
      // Step Functions names an express execution by its name and an id of its own.
      const arn = machine.workflow.executionId(name, "express");
      const loggedArn = `${arn}:${name.slice(0, 8)}-log`;
      const history = glob.test(loggedArn) ? await machine.histories.historyOf(arn) : undefined;
      const since = typeof body.startTime === "number" ? body.startTime : 0;
      const data = machine.logging.includeExecutionData;
      const events = (history && "events" in history ? history.events : [])
        .filter((event) => machine.logging?.level === "ALL" && Date.parse(event.timestamp) >= since)
        .map((event) => {
          const details = Object.fromEntries(
            Object.entries(event.details ?? {}).filter(
              ([key]) => data || (key !== "input" && key !== "output"),
            ),
          );
          const timestamp = Date.parse(event.timestamp);
          return {
            logStreamName: `states/${nameOfArn(arn)}`,
            timestamp,
            ingestionTime: timestamp,
            eventId: `${name}-${event.id}`,
            message: JSON.stringify({
              id: String(event.id),
              type: event.type,
              details,
              previous_event_id: String(event.previousEventId),
              event_timestamp: String(timestamp),
              execution_arn: loggedArn,
            }),
          };
        });
      return { events, searchedLogStreams: [] };
    },
    "secretsmanager.GetSecretValue": async (body) => {
      const id = String(body.SecretId);
      const value = options.secrets.get(id);
      if (value === undefined) {
        throw new ServiceError(
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret.",
        );
      }
      return {
        ARN: id,
        Name: nameOfArn(id),
        SecretString: value,
        VersionId: "rehearsal",
      };
    },
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const target = String(request.headers["x-amz-target"] ?? "");
      const json = target.startsWith("AWSStepFunctions.") ? "1.0" : "1.1";
      const send = (status: number, body: unknown, type?: string) => {
        response.writeHead(status, {
          "content-type": `application/x-amz-json-${json}`,
          ...(type ? { "x-amzn-errortype": type } : {}),
        });
        response.end(JSON.stringify(body));
      };
      const handler = handlers[target];
      if (!handler) {
        send(
          400,
          { __type: "UnknownOperationException", message: `No stand-in for ${target}` },
          "UnknownOperationException",
        );
        return;
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
        send(200, await handler(body));
      } catch (error) {
        if (error instanceof ServiceError)
          send(400, { __type: error.type, message: error.message }, error.type);
        else send(500, { __type: "InternalFailure", message: (error as Error).message }, "InternalFailure");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function syncFields(state: ExecutionState) {
  return {
    status: state.status,
    ...(state.output !== undefined ? { output: state.output } : {}),
    ...(state.error !== undefined ? { error: state.error } : {}),
    ...(state.cause !== undefined ? { cause: state.cause } : {}),
  };
}

/** The member GetExecutionHistory names an event type's details by: TaskStateEntered → stateEnteredEventDetails. */
function detailsKeyOf(type: string): string {
  const state = /StateEntered$|StateExited$/.exec(type)?.[0];
  const name = state ?? type;
  return `${name.charAt(0).toLowerCase()}${name.slice(1)}EventDetails`;
}
