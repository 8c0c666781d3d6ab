import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { WorkflowInput, WorkflowStarter } from "../core/ports.ts";

/** The WorkflowStarter of a deployed stack: one Standard execution per request, named after the request id. */
export class StepFunctionsStarter implements WorkflowStarter {
  readonly #client: Pick<SFNClient, "send">;
  readonly #stateMachineArn: string;
  readonly #region: string;

  constructor(client: Pick<SFNClient, "send">, stateMachineArn: string) {
    this.#client = client;
    this.#stateMachineArn = stateMachineArn;
    this.#region = stateMachineArn.split(":")[3] ?? "";
  }

  executionArn(requestId: string): string {
    return `${this.#stateMachineArn.replace(":stateMachine:", ":execution:")}:${requestId}`;
  }

  consoleUrl(executionArn: string): string {
    const region = this.#region;
    return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
  }

  async start(input: WorkflowInput): Promise<void> {
    try {
      await this.#client.send(
        new StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name: input.requestId,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      // A Standard execution name is unique for 90 days: it is already running or ran, which is what we want.
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    try {
      await this.#client.send(new StopExecutionCommand({ executionArn, cause }));
    } catch (error) {
      if (!(error instanceof ExecutionDoesNotExist)) throw error;
    }
  }
}
