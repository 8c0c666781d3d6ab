import { isToolError } from "./errors.ts";
import type { JsonObject } from "./json.ts";
import type { Clock, WorkflowInput } from "./ports.ts";
import { redactText } from "./redact.ts";
import type { AnyToolResult, ExecutableTool } from "./tool.ts";

/** What a tool's Task state receives (the Lambda payload). */
export type ToolInvocation = WorkflowInput;

/**
 * What a tool's Task state returns on success; the state machine records and publishes it. The result arrives
 * already serialized: the record stores it as a string, and the function's JSON.stringify is the one serializer
 * every runner agrees on (the local runner's States.JsonToString mangles backslashes).
 */
export interface ToolOutcome {
  resultJson: string;
  summary: string;
  durationMs: number;
}

/**
 * The message of a failed invocation, as JSON, so the state machine can record the class, the sentence for the
 * model and the upstream status without a stack trace (Step Functions puts it in the error's Cause).
 */
export interface FailureMessage {
  message: string;
  upstreamStatus: number | null;
  durationMs: number;
}

/** An error whose `name` the state machine matches, and whose `message` is a FailureMessage in JSON. */
export class InvocationFailed extends Error {
  constructor(name: string, failure: FailureMessage) {
    super(JSON.stringify(failure));
    this.name = name;
  }
}

const UNEXPECTED = "The tool failed unexpectedly. The operator can find the details in the logs.";

/**
 * Runs one tool for the workflow. Typed tool errors keep their class; anything else becomes `ToolCrashed`,
 * with a generic sentence (the original goes to the log only).
 */
export async function invokeTool<Deps>(
  tool: ExecutableTool<Deps, JsonObject, AnyToolResult>,
  invocation: ToolInvocation,
  deps: Deps,
  clock: Clock,
  onUnexpected: (error: unknown) => void = () => {},
): Promise<ToolOutcome> {
  try {
    const result = await tool.execute(invocation.arguments as JsonObject, deps);
    return {
      resultJson: JSON.stringify(result),
      summary: tool.summarize(result),
      durationMs: clock.now() - invocation.startedAt,
    };
  } catch (error) {
    const durationMs = clock.now() - invocation.startedAt;
    if (isToolError(error)) {
      const upstreamStatus = error.details.upstreamStatus ?? null;
      // The last line of defence: no tool error carries a token out, whoever wrote its message.
      const message = redactText(error.message);
      throw new InvocationFailed(error.name, { message, upstreamStatus, durationMs });
    }
    onUnexpected(error);
    throw new InvocationFailed("ToolCrashed", { message: UNEXPECTED, upstreamStatus: null, durationMs });
  }
}
