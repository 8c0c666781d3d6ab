import { type IdempotencyStore, REQUEST_REPLAY_SECONDS } from "../adapters/idempotency.ts";
import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool } from "../core/tool.ts";
import type { ToolInvocation, ToolOutcome } from "../core/tool-invocation.ts";
import type { GolfDeps } from "../tools/cps-golf.ts";
import {
  golfBookWhenOpen,
  type Plan,
  planBookingWhenOpen,
  resolveBookingWhenOpen,
  warmUpBookingWhenOpen,
} from "../tools/golf-book-when-open.ts";
import { checkWatch } from "../tools/golf-watch-tee-times.ts";
import { idempotencyStoreFromEnv } from "./environment.ts";
import { golfDepsFromEnv } from "./golf.ts";
import { journaledBooking } from "./golf-book-tee-time.ts";
import { type HandlerRuntime, toolEntry, toolHandler } from "./tool-handler.ts";

/** A step of the scheduled-booking state machine: `phase` says which; `plan` is what the planning found. */
type Invocation = ToolInvocation & {
  phase?: "plan" | "warmup" | "race" | "check";
  plan?: JsonObject;
  /** A watch's state after its last check. */
  watch?: JsonObject;
};

export interface ScheduledGolfOptions {
  /** Shrinks a watch's cadence (1 unless set: tests make the minute milliseconds). */
  watchCadenceScale?: number;
}

/**
 * The scheduled golf tools' function (golf_book_when_open and golf_watch_tee_times), one phase per state: Check (a
 * watch's search) reads only; Plan and Warm up read the site's rules and return the plan (they
 * book nothing and are safe to retry); Race books, idempotent per request id with a journal, so it books at most
 * once however it is retried or re-driven; with `resolve` it asks the site what became of a race that was cut off.
 */
export function createGolfBookWhenOpenHandler(
  deps: GolfDeps,
  runtime: HandlerRuntime,
  store: IdempotencyStore,
  options: ScheduledGolfOptions = {},
) {
  // The steps that only read answer with their structured result (a plan, a watch's state), not a tool outcome.
  const structured =
    <D>(tool: ExecutableTool<D>, toolDeps: D) =>
    async (event: Invocation) => {
      const outcome = await toolHandler(tool, toolDeps, runtime)(event);
      return (JSON.parse(outcome.resultJson) as { structuredContent: Plan }).structuredContent;
    };
  const plan = structured(planBookingWhenOpen, deps);
  const warmUp = structured(warmUpBookingWhenOpen, deps);
  const check = structured(checkWatch, { ...deps, ...options });
  const race = journaledBooking(golfBookWhenOpen, resolveBookingWhenOpen, deps, runtime, store);
  return (
    event: Invocation,
    context?: { getRemainingTimeInMillis(): number },
  ): Promise<ToolOutcome | Plan> => {
    if (event.phase === "plan") return plan(event);
    if (event.phase === "warmup") return warmUp(event);
    if (event.phase === "check") {
      const { watch, phase: _phase, ...invocation } = event;
      return check({ ...invocation, arguments: { ...event.arguments, ...(watch ? { watch } : {}) } });
    }
    // The race reads the plan among its arguments.
    const { plan: found, phase: _phase, ...invocation } = event;
    return race(
      { ...invocation, arguments: { ...event.arguments, ...(found ? { plan: found } : {}) } },
      context,
    );
  };
}

/** The Lambda entry point. */
export const handler = toolEntry("golf_book_when_open", (runtime, { tracer }) =>
  createGolfBookWhenOpenHandler(
    golfDepsFromEnv(process.env),
    runtime,
    idempotencyStoreFromEnv(process.env, REQUEST_REPLAY_SECONDS, tracer),
  ),
);
