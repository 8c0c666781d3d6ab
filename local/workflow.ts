import { readFileSync } from "node:fs";
import {
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import type { JsonObject } from "../functions/core/json.ts";
import type { WorkflowInput, WorkflowStarter } from "../functions/core/ports.ts";
import type { LocalEventBus, PutEventsEntry } from "./bus.ts";

export const TOOL_CALL_ASL = new URL("../statemachines/tool-call.asl.json", import.meta.url);

/** A tool function as the workflow invokes it: the payload in, the function's result out. */
export type LocalFunction = (payload: JsonObject) => Promise<unknown>;

export interface LocalWorkflowOptions {
  /** `${Placeholder}` values of the ASL file, as the CDK stack's definitionSubstitutions give them on AWS. */
  substitutions: Record<string, string>;
  /** Functions by the ARN the substitutions give them. */
  functions: Record<string, LocalFunction>;
  dynamodb: DynamoDBClient;
  bus: LocalEventBus;
  /** Called after the workflow writes an item, with the item's id (wakes waiting requests). */
  onItemWritten: (id: string) => void;
  /** Called when an execution ends outside the definition's own paths (a runtime error, a timeout). */
  onExecutionFailed: (input: WorkflowInput, reason: string) => Promise<void>;
  /** Milliseconds between retries, instead of the definition's backoff (tests). */
  retryDelayMs?: number;
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
  readonly #machine: StateMachine;
  readonly #handlers: Record<string, (input: unknown) => Promise<unknown>>;
  readonly #retryOverrides: Record<string, number> | undefined;
  readonly #running = new Map<string, { abort: () => void; done: Promise<void> }>();
  readonly #options: LocalWorkflowOptions;

  constructor(options: LocalWorkflowOptions) {
    this.#options = options;
    const definition = JSON.parse(
      substitute(readFileSync(TOOL_CALL_ASL, "utf8"), options.substitutions),
    ) as StateMachineDefinition & { States: Record<string, TaskState> };
    this.#machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
    this.#handlers = {};
    const retrying: string[] = [];
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== "Task") continue;
      this.#handlers[name] = this.#adapterFor(name, state.Resource ?? "");
      if ("Retry" in state) retrying.push(name);
    }
    this.#retryOverrides =
      options.retryDelayMs === undefined
        ? undefined
        : Object.fromEntries(retrying.map((name) => [name, options.retryDelayMs as number]));
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

  executionArn(requestId: string): string {
    return `${LocalWorkflow.STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${requestId}`;
  }

  consoleUrl(): string | undefined {
    return undefined;
  }

  async start(input: WorkflowInput): Promise<void> {
    // Starting a running name is a no-op, as in Step Functions. (A finished one is never restarted: the front only
    // starts records that are still working, and an execution settles its record before it ends.)
    if (this.#running.has(input.requestId)) return;
    const execution = this.#machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: this.#handlers as never,
        ...(this.#retryOverrides ? { retryIntervalOverrides: this.#retryOverrides } : {}),
      },
      context: {
        Execution: {
          Id: this.executionArn(input.requestId),
          Name: input.requestId,
          Input: input,
          StartTime: new Date().toISOString(),
          RoleArn: "arn:aws:iam::000000000000:role/local",
        },
        StateMachine: { Id: LocalWorkflow.STATE_MACHINE_ARN, Name: "rez-agent-mcp-tool-call" },
        // The runner passes a fixed Context Object; the definition reads $$.State.EnteredTime when it records a
        // result, so it is computed when read, which is when the state evaluates its Parameters.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
      } as never,
    });
    const done = execution.result.then(
      () => undefined,
      async (error: unknown) => {
        if (error instanceof ExecutionAbortedError) return;
        // After a Fail state the record is already settled and this is a no-op; after a runtime error or a
        // timeout it is what AWS's reconciler does: the record must not stay working.
        try {
          await this.#options.onExecutionFailed(input, describeFailure(error));
        } catch (settleError) {
          this.#options.onError(settleError);
        }
      },
    );
    const entry = { abort: execution.abort, done };
    this.#running.set(input.requestId, entry);
    void done.finally(() => this.#running.delete(input.requestId));
  }

  async stop(executionArn: string): Promise<void> {
    const name = executionArn.slice(executionArn.lastIndexOf(":") + 1);
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

/** The runner wraps the state's error as `cause`; its name (States.Runtime, States.Timeout...) is the useful part. */
function describeFailure(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.name;
  return error instanceof Error ? error.name : "ExecutionFailed";
}
