import { systemClock } from "../core/ports.ts";
import type { GolfDeps } from "../tools/cps-golf.ts";
import { golfSearchTeeTimes } from "../tools/golf-search-tee-times.ts";
import { golfDepsFromEnv } from "./golf.ts";
import { createLogger } from "./logging.ts";
import { type HandlerRuntime, lazyHandler, toolHandler } from "./tool-handler.ts";

/** The golf_search_tee_times Task's function. */
export const createGolfSearchTeeTimesHandler = (deps: GolfDeps, runtime: HandlerRuntime) =>
  toolHandler(golfSearchTeeTimes, deps, runtime);

/** The Lambda entry point. */
export const handler = lazyHandler(() =>
  createGolfSearchTeeTimesHandler(golfDepsFromEnv(process.env), {
    clock: systemClock,
    logger: createLogger("golf_search_tee_times"),
  }),
);
