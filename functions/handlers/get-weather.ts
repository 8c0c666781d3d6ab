import { getWeather } from "../tools/get-weather.ts";
import { lambdaEntry, toolFunction } from "./tool-function.ts";

export const build = toolFunction(getWeather, "weather");
export const handler = lambdaEntry("get_weather", build);
