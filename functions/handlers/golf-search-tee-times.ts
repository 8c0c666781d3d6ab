import { golfSearchTeeTimes } from "../tools/golf-search-tee-times.ts";
import { lambdaEntry, toolFunction } from "./tool-function.ts";

export const build = toolFunction(golfSearchTeeTimes, "golf");
export const handler = lambdaEntry("golf_search_tee_times", build);
