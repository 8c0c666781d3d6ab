import { systemClock } from "../core/ports.ts";
import type { GolfDeps } from "../tools/cps-golf.ts";
import { golfGetReservations } from "../tools/golf-get-reservations.ts";
import { golfDepsFromEnv } from "./golf.ts";
import { createLogger } from "./logging.ts";
import { type HandlerRuntime, lazyHandler, toolHandler } from "./tool-handler.ts";

/** The golf_get_reservations Task's function. */
export const createGolfGetReservationsHandler = (deps: GolfDeps, runtime: HandlerRuntime) =>
  toolHandler(golfGetReservations, deps, runtime);

/** The Lambda entry point. */
export const handler = lazyHandler(() =>
  createGolfGetReservationsHandler(golfDepsFromEnv(process.env), {
    clock: systemClock,
    logger: createLogger("golf_get_reservations"),
  }),
);
