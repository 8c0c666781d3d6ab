import { idempotentByRequest } from "../adapters/idempotency.ts";
import type { ExecutableTool } from "../core/tool.ts";
import type { ToolInvocation } from "../core/tool-invocation.ts";
import { type BookingDeps, golfBookTeeTime, resolveBooking } from "../tools/golf-book-tee-time.ts";
import { type FunctionDeps, forCall, functionSettings, lambdaEntry } from "./tool-function.ts";
import { type LambdaContextLike, toolHandler } from "./tool-handler.ts";

/** The booking's resolution: the same tool, asking the site what became of a booking that was cut off. */
const resolvingBooking = { ...golfBookTeeTime, execute: resolveBooking };

/**
 * A booking tool's function: idempotent per request id, so no retry or re-send of the same request can book twice,
 * with a journal of what it is about to reserve. An invocation with `resolve` (the state machine's answer to a
 * booking step that was cut off) runs `resolving` instead, which asks the site and books nothing.
 */
export function journaledBooking(tool: ExecutableTool<BookingDeps>, resolving: ExecutableTool<BookingDeps>) {
  if (!functionSettings(tool.definition.name).uses.includes("idempotency")) {
    throw new Error(`${tool.definition.name} books, so its function must use idempotency`);
  }
  return (deps: FunctionDeps) => {
    const withJournal = (event: ToolInvocation) => forCall(deps, "golf", event, "booking") as BookingDeps;
    const book = idempotentByRequest(
      tool.definition.name,
      (event) => toolHandler(tool, withJournal(event), deps.runtime)(event),
      deps.idempotency(),
    );
    return (event: ToolInvocation, context?: LambdaContextLike) =>
      event.resolve === true
        ? toolHandler(resolving, withJournal(event), deps.runtime)(event)
        : book(event, context);
  };
}

export const build = journaledBooking(golfBookTeeTime, resolvingBooking);
export const handler = lambdaEntry("golf_book_tee_time", build);
