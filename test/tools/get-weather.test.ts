import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpstreamRejected, UpstreamUnavailable, ValidationFailed } from "../../functions/core/errors.ts";
import type { Course } from "../../functions/tools/courses.ts";
import { type Forecast, getWeather, type WeatherDeps } from "../../functions/tools/get-weather.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";
import { startNwsSimulator } from "../../local/simulators/nws.ts";
import { startOpenMeteoSimulator } from "../../local/simulators/open-meteo.ts";
import type { Simulator } from "../../local/simulators/sim-server.ts";

const COURSES: Course[] = [
  {
    id: "sample-links",
    name: "Sample Links",
    timeZone: "America/Los_Angeles",
    latitude: 47.62,
    longitude: -122.35,
  },
  { id: "sample-dunes", name: "Sample Dunes", timeZone: "Europe/London", latitude: 56.34, longitude: -2.8 },
];

let nws: Simulator;
let openMeteo: Simulator;

beforeAll(async () => {
  nws = await startNwsSimulator();
  openMeteo = await startOpenMeteoSimulator();
});
afterAll(async () => {
  await nws.close();
  await openMeteo.close();
});
beforeEach(() => {
  nws.heal();
  openMeteo.heal();
  nws.requests.length = 0;
  openMeteo.requests.length = 0;
});

/** Fresh deps per test: the cache is off unless a test turns it on. */
function deps(
  overrides: Partial<{ cacheTtlMs: number; timeoutMs: number; nwsBaseUrl: string }> = {},
): WeatherDeps {
  return {
    config: {
      nwsBaseUrl: overrides.nwsBaseUrl ?? nws.url,
      geocodingBaseUrl: openMeteo.url,
      openMeteoBaseUrl: openMeteo.url,
    },
    courses: COURSES,
    http: new UpstreamClient({
      fetch,
      userAgent: "rez-agent-mcp-test",
      timeoutMs: overrides.timeoutMs ?? 2_000,
      cacheTtlMs: overrides.cacheTtlMs ?? 0,
    }),
  };
}

async function forecast(args: Record<string, unknown>, d = deps()): Promise<Forecast> {
  const result = await getWeather.execute(args as never, d);
  expect(result.content[0]?.text).toMatch(/^Weather for /);
  return result.structuredContent as unknown as Forecast;
}

describe("get_weather", () => {
  it("forecasts a configured course by id from the NWS", async () => {
    const f = await forecast({ location: "sample-links" });
    expect(f.source).toBe("nws");
    expect(f.location).toEqual({
      name: "Sample Links",
      latitude: 47.62,
      longitude: -122.35,
      timeZone: "America/Los_Angeles",
    });
    expect(f.periods).toHaveLength(4);
    expect(f.current?.name).toBe("Now");
    for (const p of f.periods) {
      expect(p.startTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
      expect(p.temperatureUnit).toBe("F");
    }
  });

  it("finds a course by a case-insensitive name prefix", async () => {
    expect((await forecast({ location: "sample l" })).location.name).toBe("Sample Links");
  });

  it("asks for the full name when a prefix matches several courses", async () => {
    await expect(getWeather.execute({ location: "Sample" }, deps())).rejects.toThrow(ValidationFailed);
    await expect(getWeather.execute({ location: "Sample" }, deps())).rejects.toThrow(
      /Sample Links, Sample Dunes/,
    );
  });

  it("forecasts coordinates, naming the nearest place", async () => {
    const f = await forecast({ location: "47.6062, -122.3321", days: 1 });
    expect(f.location.name).toBe("47.6062,-122.3321 (near Simville, WA)");
    expect(f.periods).toHaveLength(2);
  });

  it("honours si units", async () => {
    const f = await forecast({ location: "47.6,-122.3", units: "si" });
    expect(f.periods[0]?.temperatureUnit).toBe("C");
    expect(nws.requests.some((r) => r.includes("units=si"))).toBe(true);
  });

  it("geocodes a place name outside the US and uses Open-Meteo, without asking the NWS", async () => {
    const f = await forecast({ location: "Paris", days: 3 });
    expect(f.source).toBe("open-meteo");
    expect(f.location.name).toBe("Paris, Île-de-France, France");
    expect(f.location.timeZone).toBe("Europe/Paris");
    expect(f.periods).toHaveLength(3);
    expect(f.periods[0]?.temperatureLow).toBeTypeOf("number");
    expect(nws.requests).toEqual([]);
  });

  it("falls back to Open-Meteo for coordinates outside NWS coverage", async () => {
    const f = await forecast({ location: "-33.87,151.21" });
    expect(f.source).toBe("open-meteo");
    expect(nws.requests).toHaveLength(1);
  });

  it("falls back to Open-Meteo when the NWS is down", async () => {
    nws.fail({ kind: "status", status: 503 });
    const f = await forecast({ location: "sample-links" });
    expect(f.source).toBe("open-meteo");
  });

  it.each([
    ["a 503", { kind: "status", status: 503 } as const, /unavailable right now \(HTTP 503\)/],
    ["a 429", { kind: "status", status: 429 } as const, /unavailable right now \(HTTP 429\)/],
    ["malformed JSON", { kind: "malformed" } as const, /malformed data/],
    ["a dropped connection", { kind: "drop" } as const, /could not be reached/],
  ])("reports %s from every upstream as UpstreamUnavailable", async (_, fault, message) => {
    nws.fail(fault);
    openMeteo.fail(fault);
    const call = getWeather.execute({ location: "sample-links" }, deps());
    await expect(call).rejects.toThrow(UpstreamUnavailable);
    await expect(getWeather.execute({ location: "sample-links" }, deps())).rejects.toThrow(message);
  });

  it("gives up on a slow upstream at the timeout", async () => {
    nws.fail({ kind: "slow", delayMs: 1_500 });
    openMeteo.fail({ kind: "slow", delayMs: 1_500 });
    await expect(getWeather.execute({ location: "sample-links" }, deps({ timeoutMs: 300 }))).rejects.toThrow(
      /did not answer within/,
    );
  });

  it("reports a refused request as UpstreamRejected with its status", async () => {
    openMeteo.fail({ kind: "status", status: 400 });
    const error = await getWeather.execute({ location: "Paris" }, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamRejected);
    expect((error as UpstreamRejected).details.upstreamStatus).toBe(400);
  });

  it("says clearly when a place is unknown", async () => {
    await expect(getWeather.execute({ location: "Atlantis" }, deps())).rejects.toThrow(
      /No place named "Atlantis" was found/,
    );
  });

  it("rejects coordinates out of range", async () => {
    await expect(getWeather.execute({ location: "91,10" }, deps())).rejects.toThrow(/not a valid position/);
  });

  it("does not follow a forecast link to another host (no SSRF)", async () => {
    // The points answer links to the simulator's own URL; reaching the NWS through another name for the same
    // server makes that link foreign, so it must not be followed.
    const other = nws.url.replace("127.0.0.1", "localhost");
    const d = deps({ nwsBaseUrl: other });
    const f = await forecast({ location: "sample-links" }, d);
    expect(f.source).toBe("open-meteo");
    expect(nws.requests.filter((r) => r.includes("/gridpoints/"))).toEqual([]);
  });

  it("reuses upstream answers within the cache lifetime", async () => {
    const d = deps({ cacheTtlMs: 60_000 });
    await forecast({ location: "sample-links" }, d);
    const first = nws.requests.length;
    await forecast({ location: "sample-links" }, d);
    expect(first).toBe(3);
    expect(nws.requests).toHaveLength(first);
  });

  it("reports an NWS refusal as UpstreamRejected with the NWS's reason", async () => {
    const d = deps();
    // The NWS refuses clients without a User-Agent (so every other test shows ours is sent).
    d.http = new UpstreamClient({ fetch, userAgent: "", timeoutMs: 2_000, cacheTtlMs: 0 });
    await expect(getWeather.execute({ location: "sample-links" }, d)).rejects.toThrow(
      "The National Weather Service refused the request (HTTP 403): A User-Agent header is required.",
    );
  });
});
