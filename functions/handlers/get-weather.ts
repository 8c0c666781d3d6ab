import { getWeather, type WeatherDeps } from "../tools/get-weather.ts";
import { coursesFromEnv, upstreamClient, weatherConfigFromEnv } from "./environment.ts";
import { type HandlerRuntime, toolEntry, toolHandler } from "./tool-handler.ts";

/** The get_weather Task's function, over injected deps (the local runtime builds its own). */
export const createGetWeatherHandler = (deps: WeatherDeps, runtime: HandlerRuntime) =>
  toolHandler(getWeather, deps, runtime);

/** The Lambda entry point. */
export const handler = toolEntry("get_weather", (runtime) =>
  createGetWeatherHandler(
    {
      config: weatherConfigFromEnv(process.env),
      courses: coursesFromEnv(process.env),
      http: upstreamClient(300_000),
    },
    runtime,
  ),
);
