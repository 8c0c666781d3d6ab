import type { GolfDeps } from "../tools/cps-golf.ts";
import { golfGetReservations } from "../tools/golf-get-reservations.ts";
import { golfDepsFromEnv } from "./golf.ts";
import { type HandlerRuntime, toolEntry, toolHandler } from "./tool-handler.ts";

/** The golf_get_reservations Task's function. */
export const createGolfGetReservationsHandler = (deps: GolfDeps, runtime: HandlerRuntime) =>
  toolHandler(golfGetReservations, deps, runtime);

/** The Lambda entry point. */
export const handler = toolEntry("golf_get_reservations", (runtime) =>
  createGolfGetReservationsHandler(golfDepsFromEnv(process.env), runtime),
);
