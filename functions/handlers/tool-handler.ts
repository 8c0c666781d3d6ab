import type { Logger } from "@aws-lambda-powertools/logger";
import type { Clock } from "../core/ports.ts";
import type { ExecutableTool } from "../core/tool.ts";
import {
  type FailureMessage,
  InvocationFailed,
  invokeTool,
  type ToolInvocation,
  type ToolOutcome,
} from "../core/tool-invocation.ts";

export type ToolHandler = (event: ToolInvocation) => Promise<ToolOutcome>;

export interface HandlerRuntime {
  clock: Clock;
  logger: Pick<Logger, "error" | "warn" | "info">;
}

/**
 * A tool's Task function: runs the tool and logs how it ended (the class and upstream status, never arguments,
 * which may hold personal data).
 */
export function toolHandler<Deps>(
  tool: ExecutableTool<Deps>,
  deps: Deps,
  runtime: HandlerRuntime,
): ToolHandler {
  const name = tool.definition.name;
  return async (event) => {
    const context = { requestId: event.requestId, tool: name };
    try {
      const outcome = await invokeTool(tool, event, deps, runtime.clock, (error) =>
        runtime.logger.error(`${name} failed unexpectedly`, { ...context, error: error as Error }),
      );
      runtime.logger.info(`${name} completed`, { ...context, durationMs: outcome.durationMs });
      return outcome;
    } catch (error) {
      if (error instanceof InvocationFailed && error.name !== "ToolCrashed") {
        const { upstreamStatus } = JSON.parse(error.message) as FailureMessage;
        runtime.logger.warn(`${name} failed`, { ...context, errorType: error.name, upstreamStatus });
      }
      throw error;
    }
  };
}

/** A Lambda entry point whose deps are built on the first invocation of a container, then reused. */
export function lazyHandler<Event, Result>(build: () => (event: Event) => Promise<Result>) {
  let handle: ((event: Event) => Promise<Result>) | undefined;
  return (event: Event): Promise<Result> => {
    handle ??= build();
    return handle(event);
  };
}
