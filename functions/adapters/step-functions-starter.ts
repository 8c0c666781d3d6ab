import type { SFNClient } from "@aws-sdk/client-sfn";
import type { WorkflowInput, WorkflowStarter } from "../core/ports.ts";

/** The Step Functions SDK module and a client: loaded on first use, so a cold start that needs neither skips them. */
export interface SfnConnection {
  sdk: Pick<typeof import("@aws-sdk/client-sfn"), "StartExecutionCommand" | "StopExecutionCommand">;
  client: Pick<SFNClient, "send">;
}

/** The WorkflowStarter of a deployed stack: one Standard execution per request, named after the request id. */
export class StepFunctionsStarter implements WorkflowStarter {
  readonly #stateMachineArn: string;
  readonly #region: string;
  readonly #connect: () => Promise<SfnConnection>;
  #connection: Promise<SfnConnection> | undefined;

  constructor(stateMachineArn: string, connect: () => Promise<SfnConnection>) {
    this.#stateMachineArn = stateMachineArn;
    this.#region = stateMachineArn.split(":")[3] ?? "";
    this.#connect = connect;
  }

  executionArn(requestId: string): string {
    return `${this.#stateMachineArn.replace(":stateMachine:", ":execution:")}:${requestId}`;
  }

  consoleUrl(executionArn: string): string {
    const region = this.#region;
    return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
  }

  async start(input: WorkflowInput): Promise<void> {
    const { sdk, client } = await this.#connected();
    try {
      await client.send(
        new sdk.StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name: input.requestId,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      // A Standard execution name is unique for 90 days: it is already running or ran, which is what we want.
      if ((error as Error).name !== "ExecutionAlreadyExists") throw error;
    }
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    const { sdk, client } = await this.#connected();
    try {
      await client.send(new sdk.StopExecutionCommand({ executionArn, cause }));
    } catch (error) {
      if ((error as Error).name !== "ExecutionDoesNotExist") throw error;
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
