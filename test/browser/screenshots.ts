import { chromium } from "playwright-core";
import { KEY } from "../bench/stats.ts";
import { benchRuntime } from "../bench/tools.ts";
import { chromiumPath, NO_BROWSER_MESSAGE } from "./chromium.ts";
import { consoleScenario, submitSignIn } from "./scenario.ts";

/**
 * `npm run screenshots`: the README's two pictures of the console (docs/images/), taken from a runtime with
 * simulated upstreams: the list, with a scheduled booking counting down, and a failed call's page.
 */
const executablePath = chromiumPath();
if (!executablePath) throw new Error(NO_BROWSER_MESSAGE);
const { runtime, stop } = await benchRuntime();
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
try {
  const ids = await consoleScenario(runtime, KEY);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  await submitSignIn(page, runtime.url, KEY);
  await page.locator(`#waiting-items li[data-id="${ids.scheduled}"]`).waitFor();
  const list = new URL("../../docs/images/console-requests.png", import.meta.url).pathname;
  await page.screenshot({ path: list });
  await page.setViewportSize({ width: 1200, height: 1150 });
  await page.goto(`${runtime.url}/console/#/r/${ids.failed}`);
  await page.locator("svg g.state.failed").first().waitFor();
  const failed = new URL("../../docs/images/console-failed-call.png", import.meta.url).pathname;
  await page.screenshot({ path: failed });
  console.error(`wrote ${list}\nwrote ${failed}`);
} finally {
  await browser.close();
  await stop();
}
