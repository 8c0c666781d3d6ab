import type { GolfDeps } from "../tools/cps-golf.ts";
import { golfSearchTeeTimes } from "../tools/golf-search-tee-times.ts";
import { golfDepsFromEnv } from "./golf.ts";
import { type HandlerRuntime, toolEntry, toolHandler } from "./tool-handler.ts";

/** The golf_search_tee_times Task's function. */
export const createGolfSearchTeeTimesHandler = (deps: GolfDeps, runtime: HandlerRuntime) =>
  toolHandler(golfSearchTeeTimes, deps, runtime);

/** The Lambda entry point. */
export const handler = toolEntry("golf_search_tee_times", (runtime) =>
  createGolfSearchTeeTimesHandler(golfDepsFromEnv(process.env), runtime),
);
