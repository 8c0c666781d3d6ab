import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool } from "../core/tool.ts";
import type { ToolInvocation, ToolOutcome } from "../core/tool-invocation.ts";
import {
  golfBookWhenOpen,
  type Plan,
  planBookingWhenOpen,
  resolveBookingWhenOpen,
  warmUpBookingWhenOpen,
} from "../tools/golf-book-when-open.ts";
import { checkWatch } from "../tools/golf-watch-tee-times.ts";
import { journaledBooking } from "./golf-book-tee-time.ts";
import { type FunctionBuilder, type FunctionDeps, forCall, lambdaEntry } from "./tool-function.ts";
import { type LambdaContextLike, toolHandler } from "./tool-handler.ts";

/** A step of the scheduled-booking state machine: `phase` says which; `plan` is what the planning found. */
type Invocation = ToolInvocation & {
  phase?: "plan" | "warmup" | "race" | "check";
  plan?: JsonObject;
  /** A watch's state after its last check. */
  watch?: JsonObject;
};

/**
 * The scheduled golf tools' function (golf_book_when_open and golf_watch_tee_times), one phase per state: Check (a
 * watch's search) reads only; Plan and Warm up read the site's rules and return the plan (they
 * book nothing and are safe to retry); Race books, idempotent per request id with a journal, so it books at most
 * once however it is retried or re-driven; with `resolve` it asks the site what became of a race that was cut off.
 */
export function build(deps: FunctionDeps) {
  // The steps that only read answer with their structured result (a plan, a watch's state), not a tool outcome.
  const structured =
    <D>(tool: ExecutableTool<D>, more: Partial<D> = {}) =>
    async (event: Invocation) => {
      const toolDeps = { ...forCall(deps, "golf", event), ...more } as D;
      const outcome = await toolHandler(tool, toolDeps, deps.runtime)(event);
      return (JSON.parse(outcome.resultJson) as { structuredContent: Plan }).structuredContent;
    };
  const plan = structured(planBookingWhenOpen);
  const warmUp = structured(warmUpBookingWhenOpen);
  const scale = deps.watchCadenceScale;
  const check = structured(checkWatch, scale === undefined ? {} : { watchCadenceScale: scale });
  const race = journaledBooking(golfBookWhenOpen, resolveBookingWhenOpen)(deps);
  return (event: Invocation, context?: LambdaContextLike): Promise<ToolOutcome | Plan> => {
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

export const handler = lambdaEntry("golf_book_when_open", build as FunctionBuilder);
