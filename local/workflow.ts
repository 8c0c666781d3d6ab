import { readFileSync } from "node:fs";
import {
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  ExecutionAbortedError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import type { JsonObject } from "../functions/core/json.ts";
import type {
  ExecutionState,
  WorkflowInput,
  WorkflowKind,
  WorkflowStarter,
} from "../functions/core/ports.ts";
import type { LocalEventBus, PutEventsEntry } from "./bus.ts";
import { ExecutionRecorder, type LocalExecutionHistories } from "./execution-recorder.ts";
import { HISTORY_EVENT_LIMIT } from "./history.ts";
import { installWallClockTimers } from "./wall-clock-timers.ts";

/** How often a running execution's history is written out (at most), besides when it ends. */
const HISTORY_SAVE_MS = 1_000;

export const TOOL_CALL_ASL = new URL("../statemachines/tool-call.asl.json", import.meta.url);
export const SCHEDULED_BOOKING_ASL = new URL("../statemachines/scheduled-booking.asl.json", import.meta.url);

/** A tool function as the workflow invokes it: the payload in, the function's result out. */
export type LocalFunction = (payload: JsonObject) => Promise<unknown>;

export interface LocalWorkflowOptions {
  /** The tool-call definition's text, placeholders and all (default: the ASL file; the rehearsal passes the template's). */
  definitionText?: string;
  /** The scheduled-booking definition's text (default: its ASL file). */
  scheduledDefinitionText?: string;
  /** The state machines' ARNs (default: the local ones). */
  stateMachineArns?: Record<WorkflowKind, string>;
  /** `${Placeholder}` values of the ASL file, as the CDK stack's definitionSubstitutions give them on AWS. */
  substitutions: Record<string, string>;
  /** Functions by the ARN the substitutions give them. */
  functions: Record<string, LocalFunction>;
  dynamodb: DynamoDBClient;
  bus: LocalEventBus;
  /** Called after the workflow writes an item, with the item's id (wakes waiting requests). */
  onItemWritten: (id: string) => void;
  /**
   * Called when a standard execution ends other than succeeded (a Fail state, a runtime error, a timeout), as Step
   * Functions' status-change events reach the stack's reconciler.
   */
  onStandardEnded: (input: WorkflowInput, state: ExecutionState) => Promise<void>;
  /**
   * Called when an express execution started without waiting (a task, a recovery) ends other than succeeded. AWS
   * has no such event (the sweeper settles those after the express time limit); locally it costs nothing to settle
   * them at once.
   */
  onAsyncExpressEnded?: (input: WorkflowInput, state: ExecutionState) => Promise<void>;
  /** Milliseconds between retries, instead of the definition's backoff (tests). */
  retryDelayMs?: number;
  /** The most history events a durable execution may write before it fails (Step Functions' 25,000 unless set). */
  historyEventLimit?: number;
  /** Where each execution's history is written as it runs (execution-recorder.ts). */
  histories?: LocalExecutionHistories;
  /**
   * Time the service would take before a Task's work is done (the rehearsal's AWS latency model): the transition
   * into it, a Wait's late wake-up when it follows one, the integrated service's call. None unless set.
   */
  taskDelay?: (task: { resource: string; afterWait: boolean }) => Promise<void>;
  onError: (error: unknown) => void;
}

/** Replaces `${Name}` placeholders; an unknown one is an error, as it would be a broken deployment. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new Error(`No value for placeholder \${${name}} in the state machine file`);
    return value;
  });
}

interface TaskState {
  Type: string;
  Resource?: string;
}

/** One state machine, ready to run: its Task states mapped to local adapters. */
interface Machine {
  machine: StateMachine;
  handlers: Record<string, (input: unknown) => Promise<unknown>>;
  retryOverrides: Record<string, number> | undefined;
}

/** The error a Lambda function's failure becomes in Step Functions: its type, and a Cause in Lambda's JSON. */
class LambdaError extends Error {
  constructor(error: unknown) {
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    super(JSON.stringify({ errorType: name, errorMessage: message }));
    this.name = name;
  }
}

/** The error a failed service integration becomes: `DynamoDB.ConditionalCheckFailedException` and the like. */
class ServiceError extends Error {
  constructor(service: string, error: unknown) {
    super(error instanceof Error ? error.message : String(error));
    // An error the service answered keeps its name; one that never got an answer (no connection, a timeout) is
    // the client's, as Step Functions reports it: DynamoDB.SdkClientException, which the definition retries.
    const answered = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    const name = error instanceof Error && answered ? error.name : "SdkClientException";
    this.name = `${service}.${name}`;
  }
}

/**
 * Runs statemachines/tool-call.asl.json in-process with aws-local-stepfunctions. Each Task state is mapped by its
 * Resource to a local adapter: Lambda invoke → the tool's handler module, DynamoDB → the real AWS SDK client
 * (against the local store), EventBridge → the local bus.
 */
export class LocalWorkflow implements WorkflowStarter {
  static readonly STATE_MACHINE_ARN =
    "arn:aws:states:local:000000000000:stateMachine:rez-agent-mcp-tool-call";
  static readonly EXPRESS_STATE_MACHINE_ARN =
    "arn:aws:states:local:000000000000:stateMachine:rez-agent-mcp-tool-call-express";
  static readonly SCHEDULED_STATE_MACHINE_ARN =
    "arn:aws:states:local:000000000000:stateMachine:rez-agent-mcp-scheduled-booking";
  /** The tool-call machine (express and standard kinds) and the scheduled-booking one. */
  readonly #machines: Record<"toolCall" | "scheduled", Machine>;
  readonly #running = new Map<string, { abort: () => void; done: Promise<ExecutionState> }>();
  /** How recent standard executions ended, for `describe` (bounded: the oldest are forgotten first). */
  readonly #ended = new Map<string, ExecutionState>();
  /** The history events each durable execution has written so far, counted as Step Functions counts them. */
  readonly #history = new Map<string, ExecutionRecorder>();
  readonly #options: LocalWorkflowOptions;
  readonly #arns: Record<WorkflowKind, string>;

  constructor(options: LocalWorkflowOptions) {
    // The runner's Wait states sleep with the global setTimeout: a release 40 days out must not fire at once.
    installWallClockTimers();
    this.#options = options;
    this.#arns = options.stateMachineArns ?? {
      standard: LocalWorkflow.STATE_MACHINE_ARN,
      express: LocalWorkflow.EXPRESS_STATE_MACHINE_ARN,
      scheduled: LocalWorkflow.SCHEDULED_STATE_MACHINE_ARN,
    };
    this.#machines = {
      toolCall: this.#load(options.definitionText ?? readFileSync(TOOL_CALL_ASL, "utf8")),
      scheduled: this.#load(options.scheduledDefinitionText ?? readFileSync(SCHEDULED_BOOKING_ASL, "utf8")),
    };
  }

  #load(text: string): Machine {
    const definition = JSON.parse(substitute(text, this.#options.substitutions)) as StateMachineDefinition & {
      States: Record<string, TaskState>;
    };
    const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
    const handlers: Machine["handlers"] = {};
    const retrying: string[] = [];
    // The states a Wait leads to (a state reached from elsewhere too counts: the model errs on the late side).
    const afterWait = new Set(
      Object.values(definition.States as Record<string, { Type: string; Next?: string }>)
        .filter((state) => state.Type === "Wait")
        .map((state) => state.Next),
    );
    const taskDelay = this.#options.taskDelay;
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== "Task") continue;
      const adapter = this.#adapterFor(name, state.Resource ?? "");
      const task = { resource: state.Resource ?? "", afterWait: afterWait.has(name) };
      handlers[name] = taskDelay
        ? async (input) => {
            await taskDelay(task);
            return adapter(input);
          }
        : adapter;
      if ("Retry" in state) retrying.push(name);
    }
    const delay = this.#options.retryDelayMs;
    const retryOverrides =
      delay === undefined ? undefined : Object.fromEntries(retrying.map((name) => [name, delay]));
    return { machine, handlers, retryOverrides };
  }

  #adapterFor(state: string, resource: string): (input: unknown) => Promise<unknown> {
    switch (resource) {
      case "arn:aws:states:::lambda:invoke":
        return async (input) => {
          const { FunctionName, Payload } = input as { FunctionName: string; Payload: JsonObject };
          const fn = this.#options.functions[FunctionName];
          if (!fn)
            throw new ServiceError(
              "Lambda",
              Object.assign(new Error(FunctionName), { name: "ResourceNotFoundException" }),
            );
          try {
            return { StatusCode: 200, ExecutedVersion: "$LATEST", Payload: await fn(Payload) };
          } catch (error) {
            throw new LambdaError(error);
          }
        };
      case "arn:aws:states:::dynamodb:updateItem":
        return async (input) => {
          const params = input as UpdateItemCommandInput;
          try {
            return await this.#options.dynamodb.send(new UpdateItemCommand(params));
          } catch (error) {
            throw new ServiceError("DynamoDB", error);
          } finally {
            const id = params.Key?.id?.S;
            if (id) this.#options.onItemWritten(id);
          }
        };
      case "arn:aws:states:::events:putEvents":
        return async (input) => {
          try {
            return await this.#options.bus.putEvents((input as { Entries: PutEventsEntry[] }).Entries);
          } catch (error) {
            throw new ServiceError("EventBridge", error);
          }
        };
      default:
        throw new Error(`State ${state}: no local adapter for resource ${resource}`);
    }
  }

  executionId(requestId: string, kind: WorkflowKind = "standard"): string {
    const machine = this.#arns[kind];
    const separator = kind === "express" ? ":express:" : ":execution:";
    return `${machine.replace(":stateMachine:", separator)}:${requestId}`;
  }

  executionUrl(): string | undefined {
    return undefined;
  }

  async start(input: WorkflowInput, kind: WorkflowKind): Promise<"started" | "exists"> {
    // A standard name already running or run is not started again, as in Step Functions.
    if (kind !== "express" && (this.#running.has(input.requestId) || this.#ended.has(input.requestId))) {
      return "exists";
    }
    const done = this.#execute(input, kind);
    const onEnded = kind === "express" ? this.#options.onAsyncExpressEnded : this.#options.onStandardEnded;
    if (onEnded) {
      void done.then(async (state) => {
        // Locally an abort is a cancel (the record is already settled) or a stop (the record stays working, to be
        // recovered at the next start): neither is news for the record.
        if (state.status === "SUCCEEDED" || state.status === "ABORTED") return;
        try {
          await onEnded(input, state);
        } catch (error) {
          this.#options.onError(error);
        }
      });
    }
    return "started";
  }

  async run(input: WorkflowInput): Promise<ExecutionState> {
    return this.#execute(input, "express");
  }

  async describe(executionArn: string): Promise<ExecutionState> {
    const name = nameOfArn(executionArn);
    if (this.#running.has(name)) return { status: "RUNNING" };
    return this.#ended.get(name) ?? { status: "NOT_FOUND" };
  }

  #execute(input: WorkflowInput, kind: WorkflowKind): Promise<ExecutionState> {
    const machineArn = this.#arns[kind];
    const { machine, handlers, retryOverrides } =
      this.#machines[kind === "scheduled" ? "scheduled" : "toolCall"];
    const execution = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        ...(retryOverrides ? { retryIntervalOverrides: retryOverrides } : {}),
      },
      context: {
        Execution: {
          Id: this.executionId(input.requestId, kind),
          Name: input.requestId,
          Input: input,
          StartTime: new Date().toISOString(),
          RoleArn: "arn:aws:iam::000000000000:role/local",
        },
        StateMachine: { Id: machineArn, Name: nameOfArn(machineArn) },
        // The runner passes a fixed Context Object; the definition reads $$.State.EnteredTime when it records a
        // result, so it is computed when read, which is when the state evaluates its Parameters.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
      } as never,
    });
    // A durable execution's history is counted as Step Functions counts it, and past its limit the execution
    // fails, as it would on AWS: a definition that loops too long is found here, not in production.
    const limit = this.#options.historyEventLimit ?? HISTORY_EVENT_LIMIT;
    const history = new ExecutionRecorder();
    const name = input.requestId;
    const histories = this.#options.histories;
    histories?.track(name, history);
    let overLimit = false;
    let savedAt = Date.now();
    let saving = Promise.resolve();
    // Every execution's history is recorded (express ones too: a failed read's path is worth seeing); a durable
    // one's is also counted as Step Functions counts it, and past its limit the execution fails, as it would on AWS.
    const recorded = (async () => {
      for await (const event of execution.eventLogs) {
        history.add(event);
        if (kind !== "express" && history.count > limit && !overLimit) {
          overLimit = true;
          execution.abort();
        }
        if (histories && Date.now() - savedAt >= HISTORY_SAVE_MS) {
          savedAt = Date.now();
          saving = saving.then(() => histories.save(name, false)).catch(this.#options.onError);
        }
      }
    })();
    const done = execution.result.then(
      (output): ExecutionState => ({ status: "SUCCEEDED", output: JSON.stringify(output) }),
      (error: unknown): ExecutionState =>
        overLimit
          ? {
              status: "FAILED",
              error: "States.Runtime",
              cause: `The execution's history reached Step Functions' limit of ${limit} events.`,
            }
          : stateOfFailure(error),
    );
    // Express executions are tracked too, so a stop drains them and a cancel aborts them.
    this.#running.set(name, { abort: execution.abort, done });
    if (histories) {
      void done
        .then(() => recorded)
        .then(() => saving)
        .then(() => histories.save(name, true))
        .catch(this.#options.onError);
    }
    if (kind !== "express") this.#history.set(name, history);
    void done.then((state) => {
      this.#running.delete(name);
      if (kind === "express") return;
      this.#ended.set(name, state);
      if (this.#ended.size > ENDED_REMEMBERED) {
        const oldest = this.#ended.keys().next().value;
        if (oldest !== undefined) {
          this.#ended.delete(oldest);
          this.#history.delete(oldest);
        }
      }
    });
    return done;
  }

  /** The history events a durable execution (by its name, the request id) has written, as Step Functions counts. */
  historyEventsOf(name: string): number | undefined {
    return this.#history.get(name)?.count;
  }

  async stop(executionArn: string): Promise<void> {
    const name = nameOfArn(executionArn);
    this.#running.get(name)?.abort();
  }

  /** Executions still running in this process. */
  get runningCount(): number {
    return this.#running.size;
  }

  /** Waits for the running executions, up to `graceMs`; then aborts the rest (they are recovered at the next start). */
  async drain(graceMs: number): Promise<number> {
    const pending = [...this.#running.values()];
    const timeout = new Promise<"timeout">((resolve) => setTimeout(resolve, graceMs, "timeout").unref());
    const outcome = await Promise.race([Promise.all(pending.map((e) => e.done)), timeout]);
    if (outcome !== "timeout") return 0;
    const left = [...this.#running.values()];
    for (const execution of left) execution.abort();
    return left.length;
  }
}

/** The last part of an ARN: an execution's name (the request id), a state machine's name. */
export function nameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf(":") + 1);
}

/** How many ended standard executions `describe` remembers. */
const ENDED_REMEMBERED = 10_000;

/**
 * How an execution that did not succeed ended, as Step Functions describes it. The runner wraps the failing state's
 * error as `cause`: a Fail state's Error and Cause are its name and message.
 */
function stateOfFailure(error: unknown): ExecutionState {
  if (error instanceof ExecutionAbortedError) return { status: "ABORTED" };
  if (error instanceof ExecutionTimeoutError) return { status: "TIMED_OUT", error: "States.Timeout" };
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return { status: "FAILED", error: cause.name, cause: cause.message };
  return { status: "FAILED", error: error instanceof Error ? error.name : "ExecutionFailed" };
}
