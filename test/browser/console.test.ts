import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import { callTool, type Harness, KEY, leakedSecrets, OTHER_KEY, startHarness } from "../local/harness.ts";
import { chromiumPath, NO_BROWSER_MESSAGE, UNDER_CI } from "./chromium.ts";
import { submitSignIn } from "./scenario.ts";

/** The console in a real browser (headless Chromium): what a golfer and an operator do with it. */

const executablePath = chromiumPath();
if (!executablePath && !UNDER_CI) console.warn(NO_BROWSER_MESSAGE);

const ZONE = "America/Los_Angeles";
const inDays = (n: number) => addDays(localParts(ZONE, new Date()).date, n);
/** Generous: a loaded 2-core machine is slow, and these waits bound a page that never updates, not its speed. */
const UI_TIMEOUT = 30_000;

let harness: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/**
 * The contrast ratio (WCAG 2) of the page's text against what is behind it: HTML text against the nearest
 * background colour, each graph label against its state's box.
 */
function contrasts(page: Page): Promise<{ what: string; ratio: number }[]> {
  return page.evaluate(() => {
    const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const luminance = (color: string) => {
      const [r = 0, g = 0, b = 0] = rgb(color).map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (fg: string, bg: string) => {
      const [a, b] = [luminance(fg), luminance(bg)];
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    };
    const background = (node: Element | null): string => {
      for (let at = node; at; at = at.parentElement) {
        const color = getComputedStyle(at).backgroundColor;
        if (!/rgba\(.*, 0\)$|transparent/.test(color)) return color;
      }
      return "rgb(255, 255, 255)";
    };
    const selectors = [
      ".badge",
      "td",
      "th",
      "a",
      ".live",
      "label",
      ".brand span",
      ".note",
      "dt",
      "dd",
      "h1",
      "p",
    ];
    const text = selectors.flatMap((selector) =>
      [...document.querySelectorAll(selector)]
        .filter((node) => (node as HTMLElement).offsetParent !== null)
        .slice(0, 20)
        .map((node) => ({ what: selector, ratio: ratio(getComputedStyle(node).color, background(node)) })),
    );
    const states = [...document.querySelectorAll("svg g.state")].map((group) => {
      const label = group.querySelector("text") as Element;
      const box = group.querySelector("rect") as Element;
      return {
        what: `state ${group.getAttribute("data-state")} (${group.getAttribute("class")})`,
        ratio: ratio(getComputedStyle(label).fill, getComputedStyle(box).fill),
      };
    });
    return [...text, ...states];
  });
}

/** Every response the console gave the browser, headers and body, to look for secrets in. */
const seen: string[] = [];
const site = () => harness.runtime.simulators.golf["sample-links"] as GolfSimulator;

async function call(name: string, args: Record<string, unknown>, key = KEY): Promise<string> {
  const body = await (await callTool(harness.runtime, name, args, { "x-api-key": key })).json();
  return String(body.result._meta[REQUEST_ID_META_KEY]);
}

const row = (id: string) => page.locator(`#requests tbody tr[data-id="${id}"]`);

describe.skipIf(!executablePath && !UNDER_CI)("the console in a browser", () => {
  beforeAll(async () => {
    if (!executablePath) throw new Error(`Under CI the browser tests never skip. ${NO_BROWSER_MESSAGE}`);
    harness = await startHarness({ watchCadenceScale: 0.01 });
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    page.on("response", async (response) => {
      // A response still arriving as the page moves on is read as far as it can be.
      const body = await response.text().catch(() => "");
      const headers = await response.allHeaders().catch(() => ({}));
      seen.push(`${response.url()}\n${JSON.stringify(headers)}\n${body}`);
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it("signs in by keyboard with the key, into a session cookie the page's script cannot read", async () => {
    await page.goto(`${harness.runtime.url}/console/`);
    await page.locator("#api-key").focus();
    await page.keyboard.type(KEY);
    await page.keyboard.press("Enter");
    await page.locator("#list").waitFor({ state: "visible" });
    expect(await page.evaluate(() => document.cookie)).toBe("");
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({
      name: "rez_console",
      httpOnly: true,
      sameSite: "Strict",
      path: "/console",
    });
    expect(page.url()).not.toContain(KEY);
    expect(await page.locator("#api-key").inputValue()).toBe("");
  });

  it("refuses a wrong key with a message, and stays signed out", async () => {
    const other = await browser.newPage();
    await submitSignIn(other, harness.runtime.url, "not-the-key-0000000000");
    await expect.poll(() => other.locator("#sign-in-error").textContent()).toMatch(/key/i);
    expect(await other.locator("#list").isVisible()).toBe(false);
    await other.close();
  });

  it("shows a call appear, working, and complete without a reload", async () => {
    const date = inDays(3);
    // Our own 4-player booking fills 12:20; the rest of the window is full: the watch finds nothing until we free it.
    const ours = await callTool(harness.runtime, "golf_book_tee_time", {
      teeSheetId: site().teeSheetId(date, "12:20"),
      players: 4,
    });
    const reservationId = (await ours.json()).result.structuredContent.reservationId;
    for (const time of ["12:00", "12:10", "12:30"]) {
      const sheet = site().teeSheetId(date, time);
      site().takeSpots(sheet, site().openSpots(sheet));
    }
    const id = await call("golf_watch_tee_times", {
      date,
      players: 2,
      startTime: "12:00",
      endTime: "12:30",
      until: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await row(id).waitFor();
    expect(await row(id).getAttribute("data-status")).toBe("working");
    // On top, with its checks so far and the next one.
    const card = page.locator(`#waiting-items li[data-id="${id}"]`);
    await expect.poll(() => card.textContent(), { timeout: UI_TIMEOUT }).toMatch(/\d+ checks? so far/);
    await call("golf_cancel_reservation", { reservationId });
    await expect
      .poll(() => row(id).getAttribute("data-status"), { timeout: UI_TIMEOUT, interval: 250 })
      .toBe("completed");
    expect(await row(id).locator("td.summary").textContent()).toMatch(/^Booked Sample Links/);
  });

  it("keeps a keyboard user's place while the list redraws itself", async () => {
    await page.goto(`${harness.runtime.url}/console/#/`);
    const first = page.locator("#requests tbody tr").first();
    await first.waitFor();
    const id = await first.getAttribute("data-id");
    await first.locator("a").focus();
    const newer = await call("get_weather", { location: "Sample Links" });
    // The list has been redrawn once the newer call is in it.
    await row(newer).waitFor();
    const focused = await page.evaluate(() => document.activeElement?.closest("tr")?.getAttribute("data-id"));
    expect(focused).toBe(id);
  });

  it("opens a booking by keyboard and finds its path through the state machine", async () => {
    const sheet = site().teeSheetId(inDays(4), "09:00");
    const id = await call("golf_book_tee_time", { teeSheetId: sheet, players: 1 });
    await row(id).waitFor();
    await row(id).locator("a").focus();
    await page.keyboard.press("Enter");
    await page.locator("#detail").waitFor({ state: "visible" });
    await page.locator('svg g.state[data-state="Book tee time"]').waitFor();
    const visited = await page
      .locator("svg g.state.visited")
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-state")));
    expect(visited).toEqual(expect.arrayContaining(["Route tool", "Mark booking started", "Book tee time"]));
    expect(await page.locator("svg g.state.failed").count()).toBe(0);
    expect(await page.locator("svg path.edge.taken").count()).toBeGreaterThan(2);
    expect(await page.locator("#graph-note").textContent()).toContain("Book tee time");
    expect(await page.locator("#event").textContent()).toContain(`${id}:completed`);
    await expect.poll(() => page.locator("#push").textContent()).toMatch(/^Push "Tee time booked": sent to/);
  });

  it("shows a failed weather call's failing state and its error", async () => {
    // Both weather services down: get_weather falls back from one to the other, and both fail.
    harness.runtime.simulators.nws?.fail({ kind: "status", status: 503 }, 20);
    harness.runtime.simulators.openMeteo?.fail({ kind: "status", status: 503 }, 20);
    const id = await call("get_weather", { location: "Sample Links" });
    harness.runtime.simulators.nws?.heal();
    harness.runtime.simulators.openMeteo?.heal();
    await page.goto(`${harness.runtime.url}/console/#/r/${id}`);
    const failed = page.locator('svg g.state.failed[data-state="Get weather"]');
    await failed.waitFor();
    expect(await failed.locator("title").textContent()).toMatch(/failed: UpstreamUnavailable/);
    expect(await page.locator("#outcome-title").textContent()).toBe("Error");
    expect(await page.locator("#outcome").textContent()).toMatch(/^UpstreamUnavailable: .*unavailable/);
    expect(await page.locator("#graph-note").textContent()).toMatch(/Failed at: Get weather/);
    expect(await page.locator("#timeline li.failed").count()).toBeGreaterThan(0);
    // The list says why, not just that it failed.
    await page.goto(`${harness.runtime.url}/console/#/`);
    await row(id).waitFor();
    expect(await row(id).locator("td.summary").textContent()).toMatch(/unavailable/);
  });

  it("cancels a scheduled booking counting down to its release, and says nothing was booked", async () => {
    const date = inDays(20);
    site().release(date, 3_600_000);
    const id = await call("golf_book_when_open", { date, players: 2, startTime: "07:00", endTime: "09:00" });
    await page.goto(`${harness.runtime.url}/console/#/`);
    const card = page.locator(`#waiting-items li[data-id="${id}"]`);
    await card.waitFor();
    const first = await card.locator(".countdown").textContent();
    expect(first).toMatch(/^(\d+d )?\d\d:\d\d:\d\d$/);
    await expect
      .poll(() => card.locator(".countdown").textContent(), { timeout: UI_TIMEOUT })
      .not.toBe(first);
    await card.locator("a").click();
    await page.locator("#cancel").waitFor({ state: "visible" });
    expect(await page.locator("#cancel").textContent()).toBe("Cancel");
    await page.locator("#cancel").click();
    await expect
      .poll(() => page.locator("#cancel-note").textContent())
      .toMatch(/^Cancelled: nothing was done/);
    await expect.poll(() => page.locator("#detail-title .badge").textContent()).toBe("cancelled");
    expect(site().reservations.some((r) => r.startTime.startsWith(date))).toBe(false);
  });

  it("shows none of another key's requests", async () => {
    const theirs = await call("get_weather", { location: "Sample Links" }, OTHER_KEY);
    await page.goto(`${harness.runtime.url}/console/#/`);
    await page.locator("#requests tbody tr").first().waitFor();
    expect(await row(theirs).count()).toBe(0);
    await page.goto(`${harness.runtime.url}/console/#/r/${theirs}`);
    await expect.poll(() => page.locator("#detail-title").textContent()).toBe("No such request");
  });

  it("reads well on a phone: nothing wider than the screen but the graph, which scrolls on its own", async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    await phone.addCookies(await context.cookies());
    const small = await phone.newPage();
    await small.goto(`${harness.runtime.url}/console/`);
    await small.locator("#requests tbody tr").first().waitFor();
    const overflow = () => small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await small.locator("#requests tbody tr a").first().click();
    await small.locator("svg g.state").first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await phone.close();
  });

  it.each(["light", "dark"] as const)(
    "meets WCAG AA contrast for its text, badges and graph labels (%s)",
    async (colorScheme) => {
      await page.emulateMedia({ colorScheme });
      await page.goto(`${harness.runtime.url}/console/#/`);
      await page.locator("#requests tbody tr").first().waitFor();
      const onList = await contrasts(page);
      await page.locator('#requests tbody tr[data-status="failed"] a').first().click();
      await page.locator("svg g.state.failed").first().waitFor();
      const onRequest = await contrasts(page);
      await page.emulateMedia({ colorScheme: null });
      expect(onList.length).toBeGreaterThan(10);
      expect(onRequest.filter((c) => c.what.startsWith("state"))).toHaveLength(
        await page.locator("svg g.state").count(),
      );
      for (const { what, ratio } of [...onList, ...onRequest])
        expect(ratio, what).toBeGreaterThanOrEqual(4.5);
    },
  );

  it("signs out, and the session is gone", async () => {
    await page.goto(`${harness.runtime.url}/console/#/`);
    await page.locator("#sign-out").click();
    await page.locator("#sign-in").waitFor({ state: "visible" });
    expect(await context.cookies()).toEqual([]);
    await page.reload();
    await page.locator("#sign-in").waitFor({ state: "visible" });
  });

  it("never carried the API key or a secret in any page or response", async () => {
    expect(seen.length).toBeGreaterThan(20);
    expect(await leakedSecrets(harness, `${seen.join("\n")}\n${await page.content()}`)).toEqual([]);
  });
});
