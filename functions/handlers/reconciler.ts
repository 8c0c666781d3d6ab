import type { EventBridgeEvent } from "aws-lambda";
import { CallLifecycle } from "../core/call-lifecycle.ts";
import type { RequestStore, WorkflowStarter } from "../core/ports.ts";
import { awsFrontDeps, frontConfigFromEnv } from "./aws-front.ts";
import { createLogger } from "./logging.ts";
import { observability } from "./observability.ts";
import { lazyHandler } from "./tool-handler.ts";

/** Step Functions' own "Execution Status Change" event (the fields the reconciler reads). */
export type ExecutionStatusChange = EventBridgeEvent<
  "Step Functions Execution Status Change",
  { executionArn: string; name: string; status: string; stateMachineArn: string }
>;

const ENDED = new Set(["TIMED_OUT", "ABORTED", "FAILED", "SUCCEEDED"]);

/**
 * Settles a record still `working` when its execution ended outside the definition's own paths (timed out, aborted
 * from the console, failed in a way no Catch handled, or finished with a result it could not record). It asks Step
 * Functions how the execution ended, so a result the execution holds is recorded as completed. A record the state
 * machine already settled is left as it is. Throws when it cannot tell, so the invocation is retried and, in the
 * end, lands in the dead-letter queue.
 */
export function createReconciler(
  lifecycle: Pick<CallLifecycle, "settleFromExecution">,
  store: Pick<RequestStore, "get">,
  starter: Pick<WorkflowStarter, "describe">,
) {
  return async (event: ExecutionStatusChange): Promise<"settled" | "unchanged"> => {
    if (!ENDED.has(event.detail.status)) return "unchanged";
    const record = await store.get(event.detail.name);
    if (record?.status !== "working") return "unchanged";
    const state = await starter.describe(event.detail.executionArn);
    return lifecycle.settleFromExecution(record, state);
  };
}

/** The Lambda entry point (an EventBridge rule target on the default bus). */
export const handler = lazyHandler(() => {
  const logger = createLogger("reconciler");
  const { tracer } = observability("reconciler");
  const onError = (error: unknown) => logger.error("unexpected error", { error: error as Error });
  const deps = awsFrontDeps(process.env, onError, tracer);
  return createReconciler(new CallLifecycle(deps, frontConfigFromEnv(process.env)), deps.store, deps.starter);
});
