import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { JsonObject } from "../core/json.ts";
import { type Clock, systemClock } from "../core/ports.ts";
import type { AnyToolResult, ExecutableTool } from "../core/tool.ts";
import {
  type FailureMessage,
  InvocationFailed,
  invokeTool,
  type ToolInvocation,
  type ToolOutcome,
} from "../core/tool-invocation.ts";
import { createLogger } from "./logging.ts";
import { count, type Observability, observability, publishingMetrics } from "./observability.ts";

/** The Lambda context, when there is one: its remaining time bounds how long an idempotent run counts as in progress. */
export type LambdaContextLike = { getRemainingTimeInMillis(): number };

export type ToolHandler = (event: ToolInvocation, context?: LambdaContextLike) => Promise<ToolOutcome>;

export interface HandlerRuntime {
  clock: Clock;
  logger: Pick<Logger, "error" | "warn" | "info">;
  /** CloudWatch metrics (ToolCallSucceeded, ToolCallFailed), when the function publishes them. */
  metrics?: Pick<Metrics, "addMetric">;
}

/**
 * A tool's Task function: runs the tool and logs how it ended (the class and upstream status, never arguments,
 * which may hold personal data).
 */
export function toolHandler<Deps>(
  tool: ExecutableTool<Deps, JsonObject, AnyToolResult>,
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
      if (runtime.metrics) count(runtime.metrics, "ToolCallSucceeded");
      return outcome;
    } catch (error) {
      if (runtime.metrics) count(runtime.metrics, "ToolCallFailed");
      if (error instanceof InvocationFailed && error.name !== "ToolCrashed") {
        const { upstreamStatus } = JSON.parse(error.message) as FailureMessage;
        runtime.logger.warn(`${name} failed`, { ...context, errorType: error.name, upstreamStatus });
      }
      throw error;
    }
  };
}

/** A Lambda entry point whose deps are built on the first invocation of a container, then reused. */
export function lazyHandler<Args extends unknown[], Result>(build: () => (...args: Args) => Promise<Result>) {
  let handle: ((...args: Args) => Promise<Result>) | undefined;
  return (...args: Args): Promise<Result> => {
    handle ??= build();
    return handle(...args);
  };
}

/**
 * A tool's Lambda entry point: the redacting logger, tracer and metrics built once, the handler built by `build`
 * over them, and the invocation's metrics published whatever its outcome.
 */
export function toolEntry<Args extends unknown[], Result>(
  tool: string,
  build: (runtime: HandlerRuntime, observed: Observability) => (...args: Args) => Promise<Result>,
) {
  return lazyHandler(() => {
    const observed = observability(tool);
    const runtime: HandlerRuntime = {
      clock: systemClock,
      logger: createLogger(tool),
      metrics: observed.metrics,
    };
    return publishingMetrics(observed.metrics, build(runtime, observed));
  });
}
