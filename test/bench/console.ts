import { chromium } from "playwright-core";
import { chromiumPath } from "../browser/chromium.ts";
import { consoleScenario, submitSignIn } from "../browser/scenario.ts";
import { KEY, type Summary, summary } from "./stats.ts";
import { benchRuntime } from "./tools.ts";

const LOADS = 20;

/**
 * The console's weight and its time to first render, in headless Chromium against a local runtime holding a page
 * of requests: the bytes a cold load transfers (the page, its script, style and icon, and its first data), the
 * first contentful paint, and the time until the list's rows are drawn (the page is useful then).
 */
export async function consoleLoad(): Promise<
  | { skipped: string }
  | { bytes: Record<string, number>; totalKB: number; firstContentfulPaintMs: Summary; rowsDrawnMs: Summary }
> {
  const executablePath = chromiumPath();
  if (!executablePath) return { skipped: "no Chromium on this machine (apt-get install -y chromium)" };
  const { runtime, stop } = await benchRuntime();
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  try {
    await consoleScenario(runtime, KEY, 50);
    const context = await browser.newContext();
    const signIn = await context.newPage();
    await submitSignIn(signIn, runtime.url, KEY);
    await signIn.locator("#requests tbody tr").first().waitFor();
    await signIn.close();
    const bytes: Record<string, number> = {};
    const firstPaint: number[] = [];
    const rowsDrawn: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const page = await context.newPage();
      if (i === 0) {
        page.on("response", async (response) => {
          const name = new URL(response.url()).pathname.replace(/^\/console\//, "") || "index.html";
          bytes[name] = (await response.body().catch(() => Buffer.alloc(0))).length;
        });
      }
      await page.goto(`${runtime.url}/console/`);
      await page.locator("#requests tbody tr").first().waitFor();
      const timing = await page.evaluate(() => ({
        paint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
        drawn: performance.now(),
      }));
      firstPaint.push(timing.paint);
      rowsDrawn.push(timing.drawn);
      await page.close();
    }
    const total = Object.values(bytes).reduce((a, b) => a + b, 0);
    return {
      bytes,
      totalKB: Math.round(total / 100) / 10,
      firstContentfulPaintMs: summary(firstPaint),
      rowsDrawnMs: summary(rowsDrawn),
    };
  } finally {
    await browser.close();
    await stop();
  }
}
