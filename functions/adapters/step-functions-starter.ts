import type { SFNClient } from "@aws-sdk/client-sfn";
import {
  type ExecutionState,
  StartRefused,
  StartUnconfirmed,
  type WorkflowInput,
  type WorkflowKind,
  type WorkflowStarter,
} from "../core/ports.ts";

/** The Step Functions SDK module and a client: loaded on first use, so a cold start that needs neither skips them. */
export interface SfnConnection {
  sdk: Pick<
    typeof import("@aws-sdk/client-sfn"),
    | "StartExecutionCommand"
    | "StartSyncExecutionCommand"
    | "StopExecutionCommand"
    | "DescribeExecutionCommand"
  >;
  client: Pick<SFNClient, "send">;
}

/** The two deployments of the tool-call state machine. */
export interface StateMachineArns {
  standard: string;
  express: string;
  scheduled: string;
}

const FINISHED = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);

/**
 * Whether Step Functions answered and said no (a 4xx: nothing runs), or gave no clear answer (no connection, a
 * timeout, a 5xx: an execution may run).
 */
function classify(error: unknown): Error {
  const fault = (error as { $fault?: string }).$fault;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as Error).name ?? "Error";
  const message = `${name}: ${(error as Error).message ?? String(error)}`;
  if (fault === "client" || (status !== undefined && status >= 400 && status < 500)) {
    return new StartRefused(message, { cause: error });
  }
  return new StartUnconfirmed(message, { cause: error });
}

/**
 * The WorkflowStarter of a deployed stack: a standard execution per side-effecting call (named after the request
 * id, so it starts once), an express execution per read-only call, answered in the call (StartSyncExecution).
 */
export class StepFunctionsStarter implements WorkflowStarter {
  readonly #arns: StateMachineArns;
  readonly #region: string;
  readonly #connect: () => Promise<SfnConnection>;
  #connection: Promise<SfnConnection> | undefined;

  constructor(arns: StateMachineArns, connect: () => Promise<SfnConnection>) {
    this.#arns = arns;
    this.#region = arns.standard.split(":")[3] ?? "";
    this.#connect = connect;
  }

  executionId(requestId: string, kind: WorkflowKind): string {
    const separator = kind === "express" ? ":express:" : ":execution:";
    return `${this.#arns[kind].replace(":stateMachine:", separator)}:${requestId}`;
  }

  executionUrl(executionArn: string): string {
    const region = this.#region;
    const base = `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2`;
    // An express execution's ARN carries an id only Step Functions knows: its state machine's page lists it.
    if (executionArn.includes(":express:")) {
      return `${base}/statemachines/view/${this.#arns.express}`;
    }
    return `${base}/executions/details/${executionArn}`;
  }

  async start(input: WorkflowInput, kind: WorkflowKind): Promise<"started" | "exists"> {
    const { sdk, client } = await this.#connected();
    try {
      await client.send(
        new sdk.StartExecutionCommand({
          stateMachineArn: this.#arns[kind],
          name: input.requestId,
          input: JSON.stringify(input),
        }),
      );
      return "started";
    } catch (error) {
      // A standard execution name is unique for 90 days: it already runs or ran.
      if ((error as Error).name === "ExecutionAlreadyExists") return "exists";
      throw classify(error);
    }
  }

  async run(input: WorkflowInput): Promise<ExecutionState> {
    const { sdk, client } = await this.#connected();
    let answer: { status?: string; error?: string; cause?: string; output?: string };
    try {
      answer = await client.send(
        new sdk.StartSyncExecutionCommand({
          stateMachineArn: this.#arns.express,
          name: input.requestId,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      throw classify(error);
    }
    return stateOf(answer);
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    if (executionArn.includes(":express:")) return;
    const { sdk, client } = await this.#connected();
    try {
      await client.send(new sdk.StopExecutionCommand({ executionArn, cause }));
    } catch (error) {
      if ((error as Error).name !== "ExecutionDoesNotExist") throw error;
    }
  }

  async describe(executionArn: string): Promise<ExecutionState> {
    const { sdk, client } = await this.#connected();
    try {
      return stateOf(await client.send(new sdk.DescribeExecutionCommand({ executionArn })));
    } catch (error) {
      if ((error as Error).name === "ExecutionDoesNotExist") return { status: "NOT_FOUND" };
      throw error;
    }
  }

  #connected(): Promise<SfnConnection> {
    this.#connection ??= this.#connect().catch((error) => {
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }
}

function stateOf(answer: {
  status?: string;
  error?: string;
  cause?: string;
  output?: string;
}): ExecutionState {
  const status = (FINISHED.has(answer.status ?? "") ? answer.status : "RUNNING") as ExecutionState["status"];
  const state: ExecutionState = { status };
  if (answer.error) state.error = answer.error;
  if (answer.cause) state.cause = answer.cause;
  if (answer.output) state.output = answer.output;
  return state;
}
