import { Logger } from "@aws-lambda-powertools/logger";
import { type Clock, systemClock } from "../core/ports.ts";
import { invokeTool, type ToolInvocation, type ToolOutcome } from "../core/tool-invocation.ts";
import { getWeather, type WeatherDeps } from "../tools/get-weather.ts";
import { UpstreamClient } from "../tools/upstream.ts";
import { coursesFromEnv, USER_AGENT, weatherConfigFromEnv } from "./environment.ts";

export interface GetWeatherHandlerDeps {
  weather: WeatherDeps;
  clock: Clock;
  logger: Pick<Logger, "error">;
}

/** The get_weather Task's function, over injected deps (the local runtime builds its own). */
export function createGetWeatherHandler(deps: GetWeatherHandlerDeps) {
  return (event: ToolInvocation): Promise<ToolOutcome> =>
    invokeTool(getWeather, event, deps.weather, deps.clock, (error) =>
      deps.logger.error("get_weather failed unexpectedly", {
        requestId: event.requestId,
        error: error as Error,
      }),
    );
}

let handle: ((event: ToolInvocation) => Promise<ToolOutcome>) | undefined;

/** The Lambda entry point: deps are built on the first invocation of a container, then reused. */
export const handler = (event: ToolInvocation): Promise<ToolOutcome> => {
  handle ??= createGetWeatherHandler({
    weather: {
      config: weatherConfigFromEnv(process.env),
      courses: coursesFromEnv(process.env),
      http: new UpstreamClient({ fetch, userAgent: USER_AGENT, timeoutMs: 8_000, cacheTtlMs: 300_000 }),
    },
    clock: systemClock,
    logger: new Logger({ serviceName: "get_weather" }),
  });
  return handle(event);
};
