import { addDays, localParts, offsetOf } from "../../functions/tools/local-time.ts";
import { type SimAnswer, type Simulator, startSimulator } from "./sim-server.ts";
import { CONDITIONS, highF, seeded } from "./weather-data.ts";

/** The places the simulated geocoder knows. */
const PLACES = [
  {
    name: "Seattle",
    admin1: "Washington",
    country: "United States",
    country_code: "US",
    latitude: 47.60621,
    longitude: -122.33207,
    timezone: "America/Los_Angeles",
  },
  {
    name: "Denver",
    admin1: "Colorado",
    country: "United States",
    country_code: "US",
    latitude: 39.73915,
    longitude: -104.9847,
    timezone: "America/Denver",
  },
  {
    name: "Pinehurst",
    admin1: "North Carolina",
    country: "United States",
    country_code: "US",
    latitude: 35.19543,
    longitude: -79.46948,
    timezone: "America/New_York",
  },
  {
    name: "St Andrews",
    admin1: "Scotland",
    country: "United Kingdom",
    country_code: "GB",
    latitude: 56.33871,
    longitude: -2.79902,
    timezone: "Europe/London",
  },
  {
    name: "Paris",
    admin1: "Île-de-France",
    country: "France",
    country_code: "FR",
    latitude: 48.85341,
    longitude: 2.3488,
    timezone: "Europe/Paris",
  },
  {
    name: "Tokyo",
    admin1: "Tokyo",
    country: "Japan",
    country_code: "JP",
    latitude: 35.6895,
    longitude: 139.69171,
    timezone: "Asia/Tokyo",
  },
  {
    name: "Sydney",
    admin1: "New South Wales",
    country: "Australia",
    country_code: "AU",
    latitude: -33.86785,
    longitude: 151.20732,
    timezone: "Australia/Sydney",
  },
];

function timeZoneFor(latitude: number, longitude: number): string {
  const known = PLACES.find(
    (p) => Math.abs(p.latitude - latitude) < 1 && Math.abs(p.longitude - longitude) < 1,
  );
  return known?.timezone ?? "UTC";
}

function secondsOf(offset: string): number {
  const sign = offset.startsWith("-") ? -1 : 1;
  const [h, m] = offset.slice(1).split(":").map(Number);
  return sign * ((h ?? 0) * 3600 + (m ?? 0) * 60);
}

function forecast(url: URL, now: Date): SimAnswer {
  const latitude = Number(url.searchParams.get("latitude"));
  const longitude = Number(url.searchParams.get("longitude"));
  if (
    !Number.isFinite(latitude) ||
    !Number.isFinite(longitude) ||
    Math.abs(latitude) > 90 ||
    Math.abs(longitude) > 180
  ) {
    return { status: 400, body: { error: true, reason: "Latitude must be in range of -90 to 90°." } };
  }
  const days = Number(url.searchParams.get("forecast_days") ?? "7");
  const celsius = url.searchParams.get("temperature_unit") === "celsius";
  const kmh = url.searchParams.get("wind_speed_unit") === "kmh";
  const timezone = timeZoneFor(latitude, longitude);
  const offset = offsetOf(timezone, now);
  const { date, hour } = localParts(timezone, now);
  const temp = (f: number) => (celsius ? Math.round((((f - 32) * 5) / 9) * 10) / 10 : f);
  const speed = (mph: number) => (kmh ? Math.round(mph * 16.09) / 10 : mph);
  const daily = {
    time: [] as string[],
    weather_code: [] as number[],
    temperature_2m_max: [] as number[],
    temperature_2m_min: [] as number[],
    precipitation_probability_max: [] as number[],
    wind_speed_10m_max: [] as number[],
    wind_direction_10m_dominant: [] as number[],
  };
  for (let day = 0; day < days; day++) {
    const condition =
      CONDITIONS[Math.floor(seeded(latitude, longitude, day) * CONDITIONS.length)] ?? CONDITIONS[0];
    const high = highF(latitude, day);
    daily.time.push(addDays(date, day));
    daily.weather_code.push(condition.code);
    daily.temperature_2m_max.push(temp(high));
    daily.temperature_2m_min.push(temp(high - 14));
    daily.precipitation_probability_max.push(condition.code >= 61 ? 60 : 10);
    daily.wind_speed_10m_max.push(speed(5 + Math.round(seeded(longitude, day) * 15)));
    daily.wind_direction_10m_dominant.push(Math.round(seeded(day, latitude) * 359));
  }
  return {
    status: 200,
    body: {
      latitude,
      longitude,
      timezone,
      utc_offset_seconds: secondsOf(offset),
      current: {
        time: `${date}T${String(hour).padStart(2, "0")}:00`,
        temperature_2m: temp(highF(latitude, 0) - 4),
        weather_code: daily.weather_code[0],
        wind_speed_10m: speed(7),
        wind_direction_10m: 225,
        precipitation: 0,
      },
      daily,
    },
  };
}

/** The place names the simulated geocoder knows (docs/tools.md lists them too). */
export const SIMULATED_PLACE_NAMES: readonly string[] = PLACES.map((p) => p.name);

/** A stand-in for Open-Meteo's geocoding (/v1/search) and forecast (/v1/forecast) APIs, on one port. */
export function startOpenMeteoSimulator(now: () => Date = () => new Date()): Promise<Simulator> {
  return startSimulator((url): SimAnswer => {
    if (url.pathname === "/v1/search") {
      const name = (url.searchParams.get("name") ?? "").trim().toLowerCase();
      const count = Number(url.searchParams.get("count") ?? "10");
      const results = PLACES.filter((p) => name.length >= 2 && p.name.toLowerCase().startsWith(name)).slice(
        0,
        count,
      );
      return {
        status: 200,
        body: results.length ? { results, generationtime_ms: 0.1 } : { generationtime_ms: 0.1 },
      };
    }
    if (url.pathname === "/v1/forecast") return forecast(url, now());
    return { status: 404, body: { error: true, reason: "Not Found" } };
  });
}
