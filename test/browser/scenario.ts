import type { Page } from "playwright-core";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { Runtime } from "../../local/runtime.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import { callTool } from "../local/harness.ts";

/**
 * A console worth looking at, on a runtime with simulated upstreams: a forecast, a failed forecast (both weather
 * services down), a booking, a scheduled booking counting down to its release, and `extra` more forecasts (a
 * page's worth of rows). For the screenshots and the console's benchmark.
 */
export async function consoleScenario(runtime: Runtime, key: string, extra = 0) {
  const call = async (name: string, args: Record<string, unknown>) => {
    const body = await (await callTool(runtime, name, args, { "x-api-key": key })).json();
    return String(body.result._meta[REQUEST_ID_META_KEY]);
  };
  const site = runtime.simulators.golf["sample-links"] as GolfSimulator;
  const day = (n: number) => addDays(localParts("America/Los_Angeles", new Date()).date, n);
  for (let i = 0; i < extra; i++)
    await call("get_weather", { location: `${(40 + i / 100).toFixed(2)},-105.00` });
  const forecast = await call("get_weather", { location: "Sample Links" });
  const booking = await call("golf_book_tee_time", {
    teeSheetId: site.teeSheetId(day(4), "09:00"),
    players: 2,
  });
  runtime.simulators.nws?.fail({ kind: "status", status: 503 }, 20);
  runtime.simulators.openMeteo?.fail({ kind: "status", status: 503 }, 20);
  const failed = await call("get_weather", { location: "47.62,-122.35" });
  runtime.simulators.nws?.heal();
  runtime.simulators.openMeteo?.heal();
  const date = day(20);
  site.release(date, 5 * 86_400_000 + 4 * 3_600_000);
  const scheduled = await call("golf_book_when_open", {
    date,
    players: 2,
    startTime: "07:00",
    endTime: "09:00",
  });
  return { forecast, booking, failed, scheduled };
}

/** Opens the console at `url` and submits its sign-in form with `key` (the list shows once it is accepted). */
export async function submitSignIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.fill("#api-key", key);
  await page.click("#sign-in-form button");
}
