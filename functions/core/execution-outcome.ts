import type { JsonObject } from "./json.ts";
import type { ExecutionState } from "./ports.ts";
import type { RequestRecord, Settlement } from "./record.ts";
import type { AnyToolResult, ToolDefinition } from "./tool.ts";

/**
 * The error a Fail state raises when the tool finished but its result could not be written to the request table;
 * the execution's cause is then the result itself, so whoever settles the record later records the truth.
 */
export const RESULT_NOT_RECORDED = "ResultNotRecorded";

const REASONS: ReadonlyMap<string, string> = new Map([
  ["TIMED_OUT", "ran past its time limit"],
  ["ABORTED", "was stopped"],
  ["FAILED", "failed"],
]);

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function completed(resultJson: unknown): Settlement | undefined {
  const result = typeof resultJson === "string" ? parseObject(resultJson) : undefined;
  if (!result || !Array.isArray(result.content)) return undefined;
  return {
    status: "completed",
    statusMessage: "The call completed.",
    result: result as unknown as AnyToolResult,
  };
}

/**
 * What is true of a working call whose execution stopped without recording an outcome, said so that nobody is
 * told to "try again" when a side effect may have happened.
 */
export function stoppedMessage(
  record: Pick<RequestRecord, "tool" | "toolStartedAt">,
  definition: Pick<ToolDefinition, "effect" | "annotations"> | undefined,
  why: string,
): string {
  if (definition?.annotations.readOnlyHint) {
    return `The ${record.tool} workflow ${why} before it finished. It changes nothing, so try again.`;
  }
  const effect = definition?.effect;
  if (!effect) {
    return `The ${record.tool} workflow ${why} before it finished, so it may or may not have taken effect. Check before trying again.`;
  }
  if (record.toolStartedAt) {
    return `The ${record.tool} workflow ${why} after its ${record.tool} step had started, so ${effect.unknown}. ${effect.check}`;
  }
  return `The ${record.tool} workflow ${why} before its ${record.tool} step started, so nothing was done. Try again.`;
}

/**
 * How a working record settles, given how its execution stands: undefined while the execution runs. Used by the
 * reconciler (Step Functions' status-change events), the sweeper, and the front for express executions that fail.
 */
export function settlementOf(
  record: Pick<RequestRecord, "tool" | "toolStartedAt">,
  definition: Pick<ToolDefinition, "effect" | "annotations"> | undefined,
  state: ExecutionState,
): Settlement | undefined {
  switch (state.status) {
    case "RUNNING":
      return undefined;
    case "NOT_FOUND": {
      const message = `The ${record.tool} call was recorded but its workflow never started, so nothing was done. Try again.`;
      return { status: "failed", statusMessage: message, error: { type: "WorkflowNotStarted", message } };
    }
    case "SUCCEEDED": {
      const output = parseObject(state.output) as
        | { outcome?: JsonObject; failure?: { type?: unknown; message?: unknown } }
        | undefined;
      const done = completed(output?.outcome?.resultJson);
      if (done) return done;
      const failure = output?.failure;
      if (typeof failure?.type === "string" && typeof failure.message === "string") {
        return {
          status: "failed",
          statusMessage: failure.message,
          error: { type: failure.type, message: failure.message },
        };
      }
      break;
    }
    default: {
      if (state.error === RESULT_NOT_RECORDED) {
        const done = completed(state.cause);
        if (done) return done;
      }
      // A Fail state's cause is the tool's failure detail: `{ message, upstreamStatus, durationMs }`.
      const detail = parseObject(state.cause);
      if (state.error && typeof detail?.message === "string" && detail.message) {
        return {
          status: "failed",
          statusMessage: detail.message,
          error: { type: state.error, message: detail.message },
        };
      }
    }
  }
  const why = REASONS.get(state.status) ?? "ended";
  // Step Functions' own errors (States.*) carry a plain sentence that says why: the person deserves it.
  const said =
    state.error?.startsWith("States.") && state.cause && !parseObject(state.cause)
      ? ` (${state.error}: ${state.cause.replace(/\.$/, "")})`
      : "";
  const message = stoppedMessage(record, definition, `${why}${said}`);
  const type = said && state.error ? state.error : `Execution${state.status}`;
  return { status: "failed", statusMessage: message, error: { type, message } };
}
