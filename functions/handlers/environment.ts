import { parseCourses } from "../tools/courses.ts";
import type { WeatherConfig } from "../tools/get-weather.ts";

/** Reads one setting from the Lambda environment, failing with a message that names it. */
export function requiredEnv(env: NodeJS.ProcessEnv, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`Missing setting ${key} in the function's environment`);
  return value;
}

export const DEFAULT_WEATHER_CONFIG: WeatherConfig = {
  nwsBaseUrl: "https://api.weather.gov",
  geocodingBaseUrl: "https://geocoding-api.open-meteo.com",
  openMeteoBaseUrl: "https://api.open-meteo.com",
};

/** The weather settings of a deployed function: the public APIs unless overridden. */
export function weatherConfigFromEnv(env: NodeJS.ProcessEnv): WeatherConfig {
  return {
    nwsBaseUrl: env.NWS_BASE_URL ?? DEFAULT_WEATHER_CONFIG.nwsBaseUrl,
    geocodingBaseUrl: env.GEOCODING_BASE_URL ?? DEFAULT_WEATHER_CONFIG.geocodingBaseUrl,
    openMeteoBaseUrl: env.OPEN_METEO_BASE_URL ?? DEFAULT_WEATHER_CONFIG.openMeteoBaseUrl,
  };
}

/** Courses bundled with the function as JSON in COURSES_JSON (empty when unset). */
export function coursesFromEnv(env: NodeJS.ProcessEnv) {
  return env.COURSES_JSON ? parseCourses(JSON.parse(env.COURSES_JSON)) : [];
}

export const USER_AGENT = "rez-agent-mcp/0.1 (https://github.com/rez-agent-mcp; weather for golfers)";
