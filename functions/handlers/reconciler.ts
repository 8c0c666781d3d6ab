import type { EventBridgeEvent } from "aws-lambda";
import { createFront, type Front } from "../core/front.ts";
import type { RequestStore } from "../core/ports.ts";
import { awsFrontDeps, frontConfigFromEnv } from "./aws-front.ts";
import { createLogger } from "./logging.ts";
import { observability } from "./observability.ts";
import { lazyHandler } from "./tool-handler.ts";

/** Step Functions' own "Execution Status Change" event (the fields the reconciler reads). */
export type ExecutionStatusChange = EventBridgeEvent<
  "Step Functions Execution Status Change",
  { executionArn: string; name: string; status: string; stateMachineArn: string }
>;

const MESSAGES: Record<string, string> = {
  TIMED_OUT: "The workflow ran past its time limit. The call did not finish; try again.",
  ABORTED: "The workflow was stopped. The call did not finish.",
  FAILED: "The workflow stopped unexpectedly. The call did not finish; try again.",
};

/**
 * Settles a record still `working` when its execution ended outside the definition's own paths (timed out, aborted
 * from the console, failed in a way no Catch handled), and publishes Tool Call Failed. A record the state machine
 * already settled (the usual FAILED, through the Fail state) is left as it is.
 */
export function createReconciler(calls: Front["calls"], store: Pick<RequestStore, "get">) {
  return async (event: ExecutionStatusChange): Promise<"settled" | "unchanged"> => {
    const message = MESSAGES[event.detail.status];
    if (!message) return "unchanged";
    const record = await store.get(event.detail.name);
    if (record?.status !== "working") return "unchanged";
    const settled = await calls.fail(record, { type: `Execution${event.detail.status}`, message });
    return settled ? "settled" : "unchanged";
  };
}

/** The Lambda entry point (an EventBridge rule target on the default bus). */
export const handler = lazyHandler(() => {
  const logger = createLogger("reconciler");
  const { tracer } = observability("reconciler");
  const onError = (error: unknown) => logger.error("unexpected error", { error: error as Error });
  const deps = awsFrontDeps(process.env, onError, tracer);
  return createReconciler(createFront(deps, frontConfigFromEnv(process.env)).calls, deps.store);
});
