import { UpstreamUnavailable, ValidationFailed } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool, ToolDefinition, ToolResult } from "../core/tool.ts";
import { type Course, findCourse } from "./courses.ts";
import { COORDINATES, nwsForecast, openMeteoForecast } from "./forecasts.ts";
import type { UpstreamClient } from "./upstream.ts";

export interface WeatherConfig {
  /** National Weather Service API, e.g. https://api.weather.gov */
  nwsBaseUrl: string;
  /** Open-Meteo geocoding, e.g. https://geocoding-api.open-meteo.com */
  geocodingBaseUrl: string;
  /** Open-Meteo forecast, e.g. https://api.open-meteo.com */
  openMeteoBaseUrl: string;
  /** Said when a place is not found, e.g. that the geocoder is a simulator and which places it knows. */
  geocoderNote?: string;
}

export interface WeatherDeps {
  config: WeatherConfig;
  courses: readonly Course[];
  http: UpstreamClient;
}

export interface WeatherInput {
  location: string;
  days?: number;
  units?: "us" | "si";
}

const period = {
  type: "object",
  properties: {
    name: { type: "string" },
    startTime: { type: "string" },
    endTime: { type: "string" },
    isDaytime: { type: "boolean" },
    temperature: { type: "number" },
    temperatureLow: { type: "number" },
    temperatureUnit: { type: "string", enum: ["F", "C"] },
    windSpeed: { type: "string" },
    windDirection: { type: "string" },
    precipitationChance: { type: ["number", "null"] },
    shortForecast: { type: "string" },
    detailedForecast: { type: "string" },
  },
  required: ["name", "startTime", "temperature", "temperatureUnit", "shortForecast", "detailedForecast"],
} as const;

export const getWeatherDefinition = {
  name: "get_weather",
  title: "Weather forecast",
  description:
    "Current conditions and a 1-7 day forecast for a configured golf course (by id or name), coordinates " +
    'written "lat,lon", or a place name. US locations use the National Weather Service (day and night periods); ' +
    "elsewhere Open-Meteo (one period per day). Returns the resolved place with its time zone and each period's " +
    "temperature, wind, precipitation chance and forecast text.",
  inputSchema: {
    type: "object",
    properties: {
      location: {
        type: "string",
        minLength: 1,
        maxLength: 200,
        description: 'A configured course id or name, "lat,lon" (e.g. "47.61,-122.33"), or a place name',
      },
      days: { type: "integer", minimum: 1, maximum: 7, default: 2, description: "Days of forecast, 1-7" },
      units: {
        type: "string",
        enum: ["us", "si"],
        default: "us",
        description: "us: °F and mph; si: °C and km/h",
      },
    },
    required: ["location"],
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: {
      location: {
        type: "object",
        properties: {
          name: { type: "string" },
          latitude: { type: "number" },
          longitude: { type: "number" },
          timeZone: { type: "string" },
        },
        required: ["name", "latitude", "longitude", "timeZone"],
      },
      source: { type: "string", enum: ["nws", "open-meteo"] },
      current: period,
      periods: { type: "array", items: period },
    },
    required: ["location", "source", "periods"],
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  runs: "workflow",
} as const satisfies ToolDefinition;

export interface Place {
  name: string;
  latitude: number;
  longitude: number;
  timeZone?: string;
  /** Known to be outside the United States: skip the NWS. */
  outsideUs?: boolean;
}

export interface Period {
  name: string;
  startTime: string;
  endTime?: string;
  isDaytime?: boolean;
  temperature: number;
  temperatureLow?: number;
  temperatureUnit: "F" | "C";
  windSpeed?: string;
  windDirection?: string;
  precipitationChance: number | null;
  shortForecast: string;
  detailedForecast: string;
}

export interface Forecast {
  location: { name: string; latitude: number; longitude: number; timeZone: string };
  source: "nws" | "open-meteo";
  current?: Period;
  periods: Period[];
}

async function resolvePlace(location: string, deps: WeatherDeps): Promise<Place> {
  const coordinates = COORDINATES.exec(location);
  if (coordinates) {
    const latitude = Number(coordinates[1]);
    const longitude = Number(coordinates[2]);
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
      throw new ValidationFailed(
        `"${location}" is not a valid position: latitude must be -90 to 90 and longitude -180 to 180.`,
      );
    }
    return { name: `${latitude},${longitude}`, latitude, longitude };
  }
  const match = findCourse(deps.courses, location);
  if (match.kind === "found") {
    const { name, latitude, longitude, timeZone } = match.course;
    return { name, latitude, longitude, timeZone };
  }
  if (match.kind === "ambiguous") {
    const names = match.candidates.map((c) => c.name).join(", ");
    throw new ValidationFailed(`"${location}" matches several courses (${names}); give the full name.`);
  }
  return geocode(location, deps);
}

async function geocode(name: string, deps: WeatherDeps): Promise<Place> {
  const url = new URL("/v1/search", deps.config.geocodingBaseUrl);
  url.searchParams.set("name", name.trim());
  url.searchParams.set("count", "1");
  url.searchParams.set("language", "en");
  url.searchParams.set("format", "json");
  const { body } = await deps.http.getJson({
    label: "The Open-Meteo geocoder",
    upstream: "open-meteo",
    url: url.href,
  });
  const first = (body as { results?: Record<string, unknown>[] } | null)?.results?.[0];
  if (!first || typeof first.latitude !== "number" || typeof first.longitude !== "number") {
    throw new ValidationFailed(
      `No place named "${name}" was found. ${deps.config.geocoderNote ?? 'Try a city name, a configured course, or coordinates as "lat,lon".'}`,
    );
  }
  const parts = [first.name, first.admin1, first.country].filter(
    (p): p is string => typeof p === "string" && !!p,
  );
  const place: Place = { name: parts.join(", "), latitude: first.latitude, longitude: first.longitude };
  if (typeof first.timezone === "string") place.timeZone = first.timezone;
  if (typeof first.country_code === "string" && first.country_code.toUpperCase() !== "US")
    place.outsideUs = true;
  return place;
}

/** NWS, or undefined when the point is outside its coverage. */
async function forecastFor(input: Required<WeatherInput>, deps: WeatherDeps): Promise<Forecast> {
  const place = await resolvePlace(input.location, deps);
  if (!place.outsideUs) {
    try {
      const nws = await nwsForecast(place, input, deps);
      if (nws) return nws;
    } catch (error) {
      // The NWS being down should not cost the user a forecast: Open-Meteo covers the US too.
      if (!(error instanceof UpstreamUnavailable)) throw error;
    }
  }
  return openMeteoForecast(place, input, deps);
}

function render(forecast: Forecast): string {
  const lines = [
    `Weather for ${forecast.location.name} (${forecast.source === "nws" ? "NWS" : "Open-Meteo"}):`,
  ];
  if (forecast.current) lines.push(`Now: ${forecast.current.detailedForecast}`);
  for (const p of forecast.periods) lines.push(`${p.name}: ${p.detailedForecast}`);
  return lines.join("\n");
}

/** get_weather: NWS for the US, Open-Meteo elsewhere (and when the NWS is down). */
export const getWeather: ExecutableTool<WeatherDeps> = {
  definition: getWeatherDefinition,
  summarize(result: ToolResult): string {
    const forecast = result.structuredContent as unknown as Forecast | undefined;
    return forecast ? `${forecast.periods.length} forecast periods from ${forecast.source}` : "forecast";
  },
  async execute(args: JsonObject, deps: WeatherDeps): Promise<ToolResult> {
    const input: Required<WeatherInput> = {
      location: String(args.location),
      days: typeof args.days === "number" ? args.days : 2,
      units: args.units === "si" ? "si" : "us",
    };
    const forecast = await forecastFor(input, deps);
    return {
      content: [{ type: "text", text: render(forecast) }],
      structuredContent: forecast as unknown as JsonObject,
    };
  },
};
