import { CallLifecycle } from "../core/call-lifecycle.ts";
import { CallRecovery } from "../core/call-recovery.ts";
import { awsFrontDeps, frontConfigFromEnv } from "./aws-front.ts";
import { createLogger } from "./logging.ts";
import { observability } from "./observability.ts";
import { lazyHandler } from "./tool-handler.ts";

/** A call still working this long after it was accepted is checked against Step Functions. */
export const SWEEP_GRACE_MS = 2 * 60_000;

/** An express execution runs 5 minutes at most; one still working past this never recorded its end. */
export const EXPRESS_LIMIT_MS = 6 * 60_000;

/** An event still in the outbox this long after its call settled was not published by its own workflow. */
export const OUTBOX_GRACE_MS = 60_000;

/**
 * The scheduled sweeper: settles calls left working (a front that died between recording a call and starting it,
 * an express execution whose end was never recorded, an execution whose status-change event was lost), and
 * publishes events left in the outbox.
 */
export const handler = lazyHandler(() => {
  const logger = createLogger("sweeper");
  const { tracer } = observability("sweeper");
  const onError = (error: unknown) => logger.error("unexpected error", { error: error as Error });
  const deps = awsFrontDeps(process.env, onError, tracer);
  const lifecycle = new CallLifecycle(deps, frontConfigFromEnv(process.env));
  const recovery = new CallRecovery(deps, lifecycle);
  return async () => {
    const swept = await recovery.sweep(SWEEP_GRACE_MS, EXPRESS_LIMIT_MS);
    if (swept.settled > 0) logger.warn("settled calls left working", swept);
    const published = await lifecycle.deliverPendingEvents(OUTBOX_GRACE_MS);
    if (published > 0) logger.warn("published events left in the outbox", { published });
    return { ...swept, published };
  };
});
