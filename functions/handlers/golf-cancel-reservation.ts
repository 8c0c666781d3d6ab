import {
  type IdempotencyStore,
  idempotentByRequest,
  REQUEST_REPLAY_SECONDS,
} from "../adapters/idempotency.ts";
import type { GolfDeps } from "../tools/cps-golf.ts";
import { golfCancelReservation } from "../tools/golf-cancel-reservation.ts";
import { idempotencyStoreFromEnv } from "./environment.ts";
import { golfDepsFromEnv } from "./golf.ts";
import { type HandlerRuntime, toolEntry, toolHandler } from "./tool-handler.ts";

/**
 * The golf_cancel_reservation Task's function, idempotent per request id: a Lambda retry or a redriven execution
 * gets the first cancellation's outcome instead of cancelling again.
 */
export const createGolfCancelReservationHandler = (
  deps: GolfDeps,
  runtime: HandlerRuntime,
  store: IdempotencyStore,
) =>
  idempotentByRequest(
    golfCancelReservation.definition.name,
    toolHandler(golfCancelReservation, deps, runtime),
    store,
  );

/** The Lambda entry point. */
export const handler = toolEntry("golf_cancel_reservation", (runtime, { tracer }) =>
  createGolfCancelReservationHandler(
    golfDepsFromEnv(process.env),
    runtime,
    idempotencyStoreFromEnv(process.env, REQUEST_REPLAY_SECONDS, tracer),
  ),
);
