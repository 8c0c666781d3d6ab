import { addDays, localParts, offsetOf } from "../../functions/tools/local-time.ts";
import { type SimAnswer, type Simulator, startSimulator } from "./sim-server.ts";
import { CONDITIONS, highF, seeded } from "./weather-data.ts";

/** Rough NWS coverage: the contiguous US, Alaska, Hawaii. */
function covered(lat: number, lon: number): boolean {
  return (
    (lat >= 24 && lat <= 50 && lon >= -125 && lon <= -66) ||
    (lat >= 51 && lat <= 72 && lon >= -170 && lon <= -129) ||
    (lat >= 18 && lat <= 23 && lon >= -161 && lon <= -154)
  );
}

function timeZoneAt(lat: number, lon: number): string {
  if (lat < 24) return "Pacific/Honolulu";
  if (lat > 50) return "America/Anchorage";
  if (lon < -114.5) return "America/Los_Angeles";
  if (lon < -102) return "America/Denver";
  if (lon < -87) return "America/Chicago";
  return "America/New_York";
}

// Grid coordinates encode the point, so forecast URLs can be answered without state.
const toGrid = (lat: number, lon: number) => ({
  x: Math.round((lon + 180) * 100),
  y: Math.round((lat + 90) * 100),
});
const fromGrid = (x: number, y: number) => ({ lat: y / 100 - 90, lon: x / 100 - 180 });

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function forecastPeriods(lat: number, lon: number, si: boolean, now: Date) {
  const timeZone = timeZoneAt(lat, lon);
  const { date, hour } = localParts(timeZone, now);
  const offset = offsetOf(timeZone, now);
  const periods = [];
  let day = 0;
  let daytime = hour >= 6 && hour < 18;
  let start = `${date}T${String(hour).padStart(2, "0")}:00:00${offset}`;
  for (let number = 1; number <= 14; number++) {
    const endDate = daytime ? addDays(date, day) : addDays(date, day + 1);
    const end = `${endDate}T${daytime ? "18" : "06"}:00:00${offset}`;
    const dayDate = addDays(date, day);
    const weekday = WEEKDAYS[new Date(`${dayDate}T12:00:00Z`).getUTCDay()] ?? "Day";
    const name =
      day === 0
        ? daytime
          ? hour < 12
            ? "Today"
            : "This Afternoon"
          : "Tonight"
        : daytime
          ? weekday
          : `${weekday} Night`;
    const high = highF(lat, day);
    const f = daytime ? high : high - 14;
    const temperature = si ? Math.round(((f - 32) * 5) / 9) : f;
    const condition =
      CONDITIONS[Math.floor(seeded(lat, lon, day, daytime ? 1 : 0) * CONDITIONS.length)] ?? CONDITIONS[0];
    const text = daytime ? condition.text : condition.night;
    const chance = condition.code >= 61 ? 30 + Math.round(seeded(day, lat) * 60) : null;
    const windMph = 3 + Math.round(seeded(lon, day) * 12);
    const wind = si ? `${Math.round(windMph * 1.609)} km/h` : `${windMph} mph`;
    periods.push({
      number,
      name,
      startTime: start,
      endTime: end,
      isDaytime: daytime,
      temperature,
      temperatureUnit: si ? "C" : "F",
      probabilityOfPrecipitation: { unitCode: "wmoUnit:percent", value: chance },
      windSpeed: wind,
      windDirection: ["N", "NW", "W", "SW", "S"][day % 5],
      shortForecast: text,
      detailedForecast: `${text}, with a ${daytime ? "high" : "low"} near ${temperature}. Wind around ${wind}.`,
    });
    start = end;
    if (!daytime) day += 1;
    daytime = !daytime;
  }
  return periods;
}

/** A stand-in for api.weather.gov: /points, /gridpoints/.../forecast and /forecast/hourly, for US coordinates. */
export function startNwsSimulator(now: () => Date = () => new Date()): Promise<Simulator> {
  let simulator: Simulator;
  return startSimulator((url, request): SimAnswer => {
    if (!request.headers["user-agent"]) {
      return { status: 403, body: { title: "Forbidden", detail: "A User-Agent header is required" } };
    }
    const point = /^\/points\/(-?[\d.]+),(-?[\d.]+)$/.exec(url.pathname);
    if (point) {
      const lat = Number(point[1]);
      const lon = Number(point[2]);
      if (!covered(lat, lon)) {
        return {
          status: 404,
          body: { title: "Invalid Point", status: 404, detail: "Unable to provide data for requested point" },
        };
      }
      const { x, y } = toGrid(lat, lon);
      const grid = `${simulator.url}/gridpoints/SIM/${x},${y}`;
      return {
        status: 200,
        headers: { "content-type": "application/geo+json" },
        body: {
          properties: {
            gridId: "SIM",
            gridX: x,
            gridY: y,
            forecast: `${grid}/forecast`,
            forecastHourly: `${grid}/forecast/hourly`,
            timeZone: timeZoneAt(lat, lon),
            relativeLocation: { properties: { city: "Simville", state: "WA" } },
          },
        },
      };
    }
    const forecast = /^\/gridpoints\/SIM\/(\d+),(\d+)\/forecast(\/hourly)?$/.exec(url.pathname);
    if (forecast) {
      const { lat, lon } = fromGrid(Number(forecast[1]), Number(forecast[2]));
      const periods = forecastPeriods(lat, lon, url.searchParams.get("units") === "si", now());
      return {
        status: 200,
        headers: { "content-type": "application/geo+json" },
        body: { properties: { units: url.searchParams.get("units") ?? "us", periods } },
      };
    }
    return { status: 404, body: { title: "Not Found", status: 404 } };
  }).then((started) => {
    simulator = started;
    return started;
  });
}
