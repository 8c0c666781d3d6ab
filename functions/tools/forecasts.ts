import { UpstreamUnavailable } from "../core/errors.ts";
import type { Forecast, Period, Place, WeatherDeps, WeatherInput } from "./get-weather.ts";

/** "lat,lon", as a location. */
export const COORDINATES = /^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/;

/**
 * The two forecast providers get_weather reads, each turned into the same Forecast: the NWS (gridpoint forecast,
 * United States only) and Open-Meteo (anywhere, and the NWS's fallback).
 */

export async function nwsForecast(place: Place, input: Required<WeatherInput>, deps: WeatherDeps) {
  const base = new URL(deps.config.nwsBaseUrl);
  const label = "The National Weather Service";
  const headers = { accept: "application/geo+json" };
  const pointUrl = new URL(`/points/${place.latitude.toFixed(4)},${place.longitude.toFixed(4)}`, base);
  const point = await deps.http.getJson({
    label,
    upstream: "nws",
    url: pointUrl.href,
    headers,
    acceptStatuses: [404],
  });
  if (point.status === 404) return undefined;
  const props = (point.body as { properties?: Record<string, unknown> } | null)?.properties ?? {};
  const forecastUrl = sameOriginUrl(props.forecast, base);
  const hourlyUrl = sameOriginUrl(props.forecastHourly, base);
  if (!forecastUrl)
    throw new UpstreamUnavailable(`${label} answered without a usable forecast link.`, { upstream: "nws" });
  forecastUrl.searchParams.set("units", input.units);
  const forecast = await deps.http.getJson({ label, upstream: "nws", url: forecastUrl.href, headers });
  const raw = (forecast.body as { properties?: { periods?: unknown[] } } | null)?.properties?.periods;
  if (!Array.isArray(raw))
    throw new UpstreamUnavailable(`${label} answered with malformed data.`, { upstream: "nws" });
  const periods = raw.slice(0, input.days * 2).map((p) => nwsPeriod(p as Record<string, unknown>));
  let current: Period | undefined;
  if (hourlyUrl) {
    hourlyUrl.searchParams.set("units", input.units);
    const hourly = await deps.http.getJson({ label, upstream: "nws", url: hourlyUrl.href, headers });
    const first = (hourly.body as { properties?: { periods?: unknown[] } } | null)?.properties?.periods?.[0];
    if (first) current = { ...nwsPeriod(first as Record<string, unknown>), name: "Now" };
  }
  const relative = (props.relativeLocation as { properties?: { city?: string; state?: string } } | undefined)
    ?.properties;
  const timeZone = typeof props.timeZone === "string" ? props.timeZone : (place.timeZone ?? "UTC");
  const near = relative?.city
    ? `near ${relative.city}${relative.state ? `, ${relative.state}` : ""}`
    : undefined;
  const name = COORDINATES.test(place.name) && near ? `${place.name} (${near})` : place.name;
  const result: Forecast = {
    location: { name, latitude: place.latitude, longitude: place.longitude, timeZone },
    source: "nws",
    periods,
  };
  if (current) result.current = current;
  return result;
}

/** Follows a link from an upstream answer only if it stays on that upstream (no SSRF through a forged link). */
function sameOriginUrl(value: unknown, base: URL): URL | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    return url.origin === base.origin ? url : undefined;
  } catch {
    return undefined;
  }
}

function nwsPeriod(p: Record<string, unknown>): Period {
  const unit = p.temperatureUnit === "C" ? "C" : "F";
  const chance = (p.probabilityOfPrecipitation as { value?: unknown } | undefined)?.value;
  const period: Period = {
    name: String(p.name ?? ""),
    startTime: String(p.startTime ?? ""),
    temperature: Number(p.temperature),
    temperatureUnit: unit,
    precipitationChance: typeof chance === "number" ? chance : null,
    shortForecast: String(p.shortForecast ?? ""),
    detailedForecast: String(p.detailedForecast ?? p.shortForecast ?? ""),
  };
  if (typeof p.endTime === "string") period.endTime = p.endTime;
  if (typeof p.isDaytime === "boolean") period.isDaytime = p.isDaytime;
  if (typeof p.windSpeed === "string") period.windSpeed = p.windSpeed;
  if (typeof p.windDirection === "string") period.windDirection = p.windDirection;
  return period;
}

export async function openMeteoForecast(place: Place, input: Required<WeatherInput>, deps: WeatherDeps) {
  const url = new URL("/v1/forecast", deps.config.openMeteoBaseUrl);
  const si = input.units === "si";
  const params: Record<string, string> = {
    latitude: String(place.latitude),
    longitude: String(place.longitude),
    daily:
      "weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max,wind_speed_10m_max,wind_direction_10m_dominant",
    current: "temperature_2m,weather_code,wind_speed_10m,wind_direction_10m,precipitation",
    timezone: "auto",
    forecast_days: String(input.days),
    temperature_unit: si ? "celsius" : "fahrenheit",
    wind_speed_unit: si ? "kmh" : "mph",
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const label = "Open-Meteo";
  const { body } = await deps.http.getJson({ label, upstream: "open-meteo", url: url.href });
  const data = body as OpenMeteoBody | null;
  const daily = data?.daily;
  if (!daily || !Array.isArray(daily.time)) {
    throw new UpstreamUnavailable(`${label} answered with malformed data. Try again later.`, {
      upstream: "open-meteo",
    });
  }
  const unit = si ? "C" : "F";
  const speedUnit = si ? "km/h" : "mph";
  const offset = offsetText(data.utc_offset_seconds ?? 0);
  const periods = daily.time.slice(0, input.days).map((date, i): Period => {
    const high = Math.round(daily.temperature_2m_max?.[i] ?? Number.NaN);
    const low = Math.round(daily.temperature_2m_min?.[i] ?? Number.NaN);
    const chance = daily.precipitation_probability_max?.[i] ?? null;
    const wind = Math.round(daily.wind_speed_10m_max?.[i] ?? 0);
    const direction = compass(daily.wind_direction_10m_dominant?.[i]);
    const text = weatherText(daily.weather_code?.[i]);
    const chanceText = chance === null ? "" : ` ${chance}% chance of precipitation.`;
    return {
      name: i === 0 ? "Today" : weekday(date),
      startTime: `${date}T00:00:00${offset}`,
      endTime: `${date}T23:59:59${offset}`,
      isDaytime: true,
      temperature: high,
      temperatureLow: low,
      temperatureUnit: unit,
      windSpeed: `${wind} ${speedUnit}`,
      windDirection: direction,
      precipitationChance: chance,
      shortForecast: text,
      detailedForecast: `${text}. High ${high}°${unit}, low ${low}°${unit}. Wind up to ${wind} ${speedUnit} from the ${direction}.${chanceText}`,
    };
  });
  const result: Forecast = {
    location: {
      name: place.name,
      latitude: place.latitude,
      longitude: place.longitude,
      timeZone: data.timezone ?? place.timeZone ?? "UTC",
    },
    source: "open-meteo",
    periods,
  };
  const now = data.current;
  if (now && typeof now.temperature_2m === "number") {
    const text = weatherText(now.weather_code);
    const temperature = Math.round(now.temperature_2m);
    const wind = Math.round(now.wind_speed_10m ?? 0);
    const direction = compass(now.wind_direction_10m);
    result.current = {
      name: "Now",
      startTime: `${now.time ?? daily.time[0]}${now.time?.length === 16 ? ":00" : ""}${offset}`,
      temperature,
      temperatureUnit: unit,
      windSpeed: `${wind} ${speedUnit}`,
      windDirection: direction,
      precipitationChance: null,
      shortForecast: text,
      detailedForecast: `${text}, ${temperature}°${unit}, wind ${wind} ${speedUnit} from the ${direction}.`,
    };
  }
  return result;
}

interface OpenMeteoBody {
  timezone?: string;
  utc_offset_seconds?: number;
  current?: {
    time?: string;
    temperature_2m?: number;
    weather_code?: number;
    wind_speed_10m?: number;
    wind_direction_10m?: number;
  };
  daily?: {
    time: string[];
    weather_code?: number[];
    temperature_2m_max?: number[];
    temperature_2m_min?: number[];
    precipitation_probability_max?: (number | null)[];
    wind_speed_10m_max?: number[];
    wind_direction_10m_dominant?: number[];
  };
}

function offsetText(seconds: number): string {
  const sign = seconds < 0 ? "-" : "+";
  const abs = Math.abs(seconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, "0");
  return `${sign}${hh}:${mm}`;
}

function weekday(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString("en-US", { weekday: "long", timeZone: "UTC" });
}

const COMPASS = [
  "N",
  "NNE",
  "NE",
  "ENE",
  "E",
  "ESE",
  "SE",
  "SSE",
  "S",
  "SSW",
  "SW",
  "WSW",
  "W",
  "WNW",
  "NW",
  "NNW",
];

function compass(degrees: number | undefined): string {
  if (typeof degrees !== "number") return "variable direction";
  return COMPASS[Math.round((((degrees % 360) + 360) % 360) / 22.5) % 16] ?? "N";
}

/** WMO weather interpretation codes, as Open-Meteo documents them. */
const WMO: Record<number, string> = {
  0: "Clear sky",
  1: "Mainly clear",
  2: "Partly cloudy",
  3: "Overcast",
  45: "Fog",
  48: "Depositing rime fog",
  51: "Light drizzle",
  53: "Drizzle",
  55: "Dense drizzle",
  56: "Light freezing drizzle",
  57: "Freezing drizzle",
  61: "Slight rain",
  63: "Rain",
  65: "Heavy rain",
  66: "Light freezing rain",
  67: "Freezing rain",
  71: "Slight snow",
  73: "Snow",
  75: "Heavy snow",
  77: "Snow grains",
  80: "Slight rain showers",
  81: "Rain showers",
  82: "Violent rain showers",
  85: "Slight snow showers",
  86: "Heavy snow showers",
  95: "Thunderstorm",
  96: "Thunderstorm with slight hail",
  99: "Thunderstorm with heavy hail",
};

function weatherText(code: number | undefined): string {
  return (code !== undefined && WMO[code]) || "Unknown conditions";
}
