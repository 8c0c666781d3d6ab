import { bookingJournal } from "../adapters/booking-journal.ts";
import {
  type IdempotencyStore,
  idempotentByRequest,
  REQUEST_REPLAY_SECONDS,
} from "../adapters/idempotency.ts";
import type { ExecutableTool } from "../core/tool.ts";
import type { ToolInvocation } from "../core/tool-invocation.ts";
import type { GolfDeps } from "../tools/cps-golf.ts";
import { type BookingDeps, golfBookTeeTime, resolveBooking } from "../tools/golf-book-tee-time.ts";
import { idempotencyStoreFromEnv } from "./environment.ts";
import { golfDepsFromEnv } from "./golf.ts";
import { type HandlerRuntime, toolEntry, toolHandler } from "./tool-handler.ts";

/** The booking's resolution: the same tool, asking the site what became of a booking that was cut off. */
const resolvingBooking = { ...golfBookTeeTime, execute: resolveBooking };

/**
 * A booking tool's function: idempotent per request id, so no retry or re-send of the same request can book twice,
 * with a journal of what it is about to reserve. An invocation with `resolve` (the state machine's answer to a
 * booking step that was cut off) runs `resolving` instead, which asks the site and books nothing.
 */
export function journaledBooking(
  tool: ExecutableTool<BookingDeps>,
  resolving: ExecutableTool<BookingDeps>,
  deps: GolfDeps,
  runtime: HandlerRuntime,
  store: IdempotencyStore,
) {
  const withJournal = (event: ToolInvocation) => ({
    ...deps,
    journal: bookingJournal(store, event.requestId),
  });
  const book = idempotentByRequest(
    tool.definition.name,
    (event) => toolHandler(tool, withJournal(event), runtime)(event),
    store,
  );
  return (event: ToolInvocation, context?: { getRemainingTimeInMillis(): number }) =>
    event.resolve === true
      ? toolHandler(resolving, withJournal(event), runtime)(event)
      : book(event, context);
}

/** The golf_book_tee_time Task's function. */
export const createGolfBookTeeTimeHandler = (
  deps: GolfDeps,
  runtime: HandlerRuntime,
  store: IdempotencyStore,
) => journaledBooking(golfBookTeeTime, resolvingBooking, deps, runtime, store);

/** The Lambda entry point. */
export const handler = toolEntry("golf_book_tee_time", (runtime, { tracer }) =>
  createGolfBookTeeTimeHandler(
    golfDepsFromEnv(process.env),
    runtime,
    idempotencyStoreFromEnv(process.env, REQUEST_REPLAY_SECONDS, tracer),
  ),
);
