import { type IdempotencyStore, idempotentByRequest } from "../adapters/idempotency.ts";
import type { GolfDeps } from "../tools/cps-golf.ts";
import { golfBookTeeTime } from "../tools/golf-book-tee-time.ts";
import { idempotencyStoreFromEnv } from "./environment.ts";
import { golfDepsFromEnv } from "./golf.ts";
import { type HandlerRuntime, toolEntry, toolHandler } from "./tool-handler.ts";

/** A booking's outcome is replayed for as long as its request record is kept. */
export const BOOKING_REPLAY_SECONDS = 30 * 24 * 3600;

/**
 * The golf_book_tee_time Task's function: the booking, made idempotent per request id, so no retry or re-send
 * of the same request can book twice.
 */
export const createGolfBookTeeTimeHandler = (
  deps: GolfDeps,
  runtime: HandlerRuntime,
  store: IdempotencyStore,
) => idempotentByRequest(golfBookTeeTime.definition.name, toolHandler(golfBookTeeTime, deps, runtime), store);

/** The Lambda entry point. */
export const handler = toolEntry("golf_book_tee_time", (runtime, { tracer }) =>
  createGolfBookTeeTimeHandler(
    golfDepsFromEnv(process.env),
    runtime,
    idempotencyStoreFromEnv(process.env, BOOKING_REPLAY_SECONDS, tracer),
  ),
);
