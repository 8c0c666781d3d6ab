import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { Runtime } from "../../local/runtime.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import { callTool, type Harness, KEY, leakedSecrets, OTHER_KEY, startHarness } from "./harness.ts";

/** The console's HTTP surface: its session, what it lists and shows, and who may do what through it. */

let harness: Harness;
const ZONE = "America/Los_Angeles";
const inDays = (n: number) => addDays(localParts(ZONE, new Date()).date, n);
const site = () => harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
/** Every body the console answered in this file, to look for secrets in at the end. */
const answered: string[] = [];

beforeAll(async () => {
  harness = await startHarness({ watchCadenceScale: 0.5 });
});
afterAll(() => harness.close());

async function call(name: string, args: Record<string, unknown>, key = KEY): Promise<string> {
  const body = await (await callTool(harness.runtime, name, args, { "x-api-key": key })).json();
  return String(body.result._meta[REQUEST_ID_META_KEY]);
}

const consoleUrl = (runtime: Runtime, path: string) => `${runtime.url}/console${path}`;

async function fetchConsole(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(consoleUrl(harness.runtime, path), init);
  answered.push(`${[...response.headers].join("\n")}\n${await response.clone().text()}`);
  return response;
}

/** Signs in as a key: the session cookie and the CSRF token its page reads. */
async function signIn(key = KEY) {
  const response = await fetchConsole("/api/session", { method: "POST", headers: { "x-api-key": key } });
  expect(response.status).toBe(204);
  const setCookie = response.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0] ?? "";
  const session = await (await fetchConsole("/api/session", { headers: { cookie } })).json();
  return {
    setCookie,
    cookie,
    csrf: String(session.csrf),
    get: (path: string) => fetchConsole(path, { headers: { cookie } }),
    post: (path: string, headers: Record<string, string> = {}) =>
      fetchConsole(path, {
        method: "POST",
        headers: { cookie, "x-csrf-token": String(session.csrf), ...headers },
      }),
  };
}

describe("the console's session", () => {
  it("is a cookie that is HttpOnly, SameSite=Strict, scoped to the console, and not Secure over plain http", async () => {
    const { setCookie } = await signIn();
    expect(setCookie).toMatch(/^rez_console=[\w-]+\.[\w-]+; /);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/console");
    expect(setCookie).toMatch(/Max-Age=\d+/);
    expect(setCookie).not.toContain("Secure");
  });

  it("is Secure when the console is reached over https (through a proxy that says so)", async () => {
    const response = await fetchConsole("/api/session", {
      method: "POST",
      headers: { "x-api-key": KEY, "x-forwarded-proto": "https" },
    });
    expect(response.headers.get("set-cookie")).toMatch(/; Secure$|; Secure;/);
  });

  it("is refused to a wrong or missing key, with no cookie", async () => {
    for (const headers of [{ "x-api-key": "not-a-key-at-all" }, {}] as Record<string, string>[]) {
      const response = await fetchConsole("/api/session", { method: "POST", headers });
      expect(response.status).toBe(403);
      expect(response.headers.get("set-cookie")).toBeNull();
    }
  });

  it.each([
    ["GET", "/api/session"],
    ["GET", "/api/requests"],
    ["GET", "/api/requests/0b3f7a52-5c1e-4d6a-9b0e-2f4c8d1e6a7b"],
    ["POST", "/api/requests/0b3f7a52-5c1e-4d6a-9b0e-2f4c8d1e6a7b/cancel"],
    ["GET", "/api/machines/tool-call"],
  ])("is required on %s %s (401 without one)", async (method, path) => {
    expect((await fetchConsole(path, { method })).status).toBe(401);
    // An API key is no session: the console's data is read with the cookie only.
    expect((await fetchConsole(path, { method, headers: { "x-api-key": KEY } })).status).toBe(401);
  });

  it("is refused when tampered with, or signed for another owner by anyone but the server", async () => {
    const { cookie } = await signIn();
    const [name, token] = cookie.split("=") as [string, string];
    const [body, mac] = token.split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, o: "someone-else" })).toString("base64url");
    for (const bad of [`${forged}.${mac}`, `${body}.${mac.slice(0, -2)}AA`, `${body}`, ""]) {
      const response = await fetchConsole("/api/requests", { headers: { cookie: `${name}=${bad}` } });
      expect(response.status).toBe(401);
    }
  });

  it("opens no MCP route: the status route still wants the key", async () => {
    const { cookie } = await signIn();
    const id = await call("get_weather", { location: "Sample Links" });
    const response = await fetch(`${harness.runtime.mcpUrl}/status/${id}`, { headers: { cookie } });
    expect(response.status).toBe(403);
  });

  it("ends at sign-out: the cookie is cleared", async () => {
    const session = await signIn();
    const out = await fetchConsole("/api/session", {
      method: "DELETE",
      headers: { cookie: session.cookie, "x-csrf-token": session.csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^rez_console=; Path=\/console; Max-Age=0/);
  });
});

describe("the console's pages", () => {
  it("are served with no build step, a strict content security policy and no caching of the page", async () => {
    const redirect = await fetch(consoleUrl(harness.runtime, ""), { redirect: "manual" });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/console/");
    const page = await fetchConsole("/");
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("cache-control")).toMatch(/^no-(cache|store)$/);
    const html = await page.text();
    expect(html).toContain('<script src="app.js" defer></script>');
    for (const asset of ["app.js", "style.css", "icon.svg"])
      expect((await fetchConsole(`/${asset}`)).status).toBe(200);
    expect((await fetchConsole("/nothing.js")).status).toBe(404);
  });
});

describe("the console's list", () => {
  it("shows only the signed-in key's requests, newest first, with why a failure failed", async () => {
    const mine = await call("get_weather", { location: "Sample Links" });
    const theirs = await call("get_weather", { location: "Sample Links" }, OTHER_KEY);
    const date = inDays(22);
    site().release(date, 3_600_000);
    const theirScheduled = await call("golf_book_when_open", { date, players: 1 }, OTHER_KEY);
    const failed = await call("golf_get_reservations", { course: "no-such-course" });
    const session = await signIn();
    const body = await (await session.get("/api/requests")).json();
    const ids = body.requests.map((row: { id: string }) => row.id);
    expect(ids).toContain(mine);
    expect(ids).not.toContain(theirs);
    expect(ids).not.toContain(theirScheduled);
    expect(body.waiting.map((row: { id: string }) => row.id)).not.toContain(theirScheduled);
    expect(ids.indexOf(failed)).toBeLessThan(ids.indexOf(mine));
    const failure = body.requests.find((row: { id: string }) => row.id === failed);
    expect(failure.status).toBe("failed");
    expect(failure.summary).not.toMatch(/^golf_get_reservations failed$/);
    expect(failure.summary).toMatch(/no-such-course/);
    // The other key's request is not theirs to open either: 404, as if it did not exist.
    expect((await session.get(`/api/requests/${theirs}`)).status).toBe(404);
  });

  it("filters by status and tool, and refuses what names neither", async () => {
    const session = await signIn();
    const failedOnly = await (await session.get("/api/requests?status=failed")).json();
    expect(failedOnly.requests.length).toBeGreaterThan(0);
    expect(failedOnly.requests.every((row: { status: string }) => row.status === "failed")).toBe(true);
    const weather = await (await session.get("/api/requests?tool=get_weather")).json();
    expect(weather.requests.every((row: { tool: string }) => row.tool === "get_weather")).toBe(true);
    expect((await session.get("/api/requests?status=done")).status).toBe(400);
    expect((await session.get("/api/requests?tool=rm_rf")).status).toBe(400);
    expect((await session.get("/api/requests?cursor=not-a-cursor")).status).toBe(400);
  });

  it("puts a scheduled booking on top with its release instant, and a watch with its checks and next check", async () => {
    const date = inDays(20);
    const releasesAt = site().release(date, 3_600_000);
    const scheduled = await call("golf_book_when_open", {
      date,
      players: 2,
      startTime: "07:00",
      endTime: "09:00",
    });
    const watchDate = inDays(3);
    for (const time of ["12:00", "12:10", "12:20", "12:30"]) {
      const id = site().teeSheetId(watchDate, time);
      site().takeSpots(id, site().openSpots(id));
    }
    const watch = await call("golf_watch_tee_times", {
      date: watchDate,
      players: 2,
      startTime: "12:00",
      endTime: "12:30",
      until: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const session = await signIn();
    const waiting = await vi.waitFor(
      async () => {
        const body = await (await session.get("/api/requests")).json();
        const rows = new Map(body.waiting.map((row: { id: string }) => [row.id, row]));
        const watched = rows.get(watch) as { waiting: { checks?: number } } | undefined;
        expect(watched?.waiting.checks).toBeGreaterThanOrEqual(1);
        expect(rows.has(scheduled)).toBe(true);
        return rows;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(waiting.get(scheduled)).toMatchObject({
      tool: "golf_book_when_open",
      status: "working",
      waiting: { releaseAt: new Date(releasesAt).toISOString() },
      cancel: "stops",
    });
    const watched = waiting.get(watch) as { waiting: { nextCheckAt: string; until: string } };
    expect(Date.parse(watched.waiting.nextCheckAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(watched.waiting.until).toMatch(/Z$/);
    // Cancelled, it leaves the top.
    await session.post(`/api/requests/${watch}/cancel`);
    await session.post(`/api/requests/${scheduled}/cancel`);
    const after = await (await session.get("/api/requests")).json();
    expect(after.waiting.map((row: { id: string }) => row.id)).not.toContain(watch);
  });
});

describe("a request's page", () => {
  it("shows the arguments, the result, the event and the path through the state machine's ASL", async () => {
    const id = await call("get_weather", { location: "Sample Links" });
    const session = await signIn();
    const detail = await (await session.get(`/api/requests/${id}`)).json();
    expect(detail.row).toMatchObject({ id, status: "completed", tool: "get_weather" });
    expect(detail.arguments).toEqual({ location: "Sample Links" });
    expect(detail.machine).toBe("tool-call");
    expect(detail.event).toMatchObject({
      detailType: "Tool Call Completed",
      detail: { eventId: `${id}:completed` },
    });
    const entered = detail.history.events
      .filter((event: { type: string }) => event.type.endsWith("StateEntered"))
      .map((event: { details: { name: string } }) => event.details.name);
    const machine = await (await session.get(`/api/machines/${detail.machine}`)).json();
    expect(entered[0]).toBe(machine.StartAt);
    for (const name of entered) expect(Object.keys(machine.States)).toContain(name);
  });
});

describe("a booking's page", () => {
  it("shows the push its outcome sent, as the booking notifier noted it", async () => {
    const id = await call("golf_book_tee_time", {
      teeSheetId: site().teeSheetId(inDays(5), "10:00"),
      players: 1,
    });
    const session = await signIn();
    const detail = await vi.waitFor(
      async () => {
        const body = await (await session.get(`/api/requests/${id}`)).json();
        expect(body.push).not.toBeNull();
        return body;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(detail.notifies).toBe(true);
    expect(detail.push).toMatchObject({ outcome: "sent", title: "Tee time booked" });
    expect(detail.event).toMatchObject({ published: true, detailType: "Tool Call Completed" });
  });
});

describe("cancelling from the console", () => {
  it("needs the session's CSRF token and the page's own origin; with both it cancels a scheduled booking cleanly", async () => {
    const date = inDays(21);
    site().release(date, 3_600_000);
    const id = await call("golf_book_when_open", { date, players: 1, startTime: "07:00", endTime: "09:00" });
    const session = await signIn();
    const path = `/api/requests/${id}/cancel`;
    expect((await session.post(path, { "x-csrf-token": "" })).status).toBe(403);
    expect((await session.post(path, { "x-csrf-token": `${session.csrf}x` })).status).toBe(403);
    // Another session's token is no good either.
    const other = await signIn();
    expect((await session.post(path, { "x-csrf-token": other.csrf })).status).toBe(403);
    expect((await session.post(path, { origin: "https://evil.example" })).status).toBe(403);
    // Its own host by another scheme is another origin, unless a TLS proxy in front says it is its scheme.
    const httpsOrigin = harness.runtime.url.replace(/^http:/, "https:");
    expect((await session.post(path, { origin: httpsOrigin })).status).toBe(403);
    expect(
      (await session.post(path, { origin: "https://evil.example", "x-forwarded-proto": "https" })).status,
    ).toBe(403);
    expect((await (await session.get(`/api/requests/${id}`)).json()).row.status).toBe("working");
    // Another key's session cannot cancel it at all.
    const bob = await signIn(OTHER_KEY);
    expect((await bob.post(path)).status).toBe(404);
    const cancelled = await session.post(path, { origin: harness.runtime.url });
    expect(cancelled.status).toBe(200);
    expect((await cancelled.json()).status).toBe("cancelled");
    expect((await session.post(path)).status).toBe(409);
  });
});

describe("what the console answers", () => {
  it("never carries the API key or a secret, in any encoding", async () => {
    expect(answered.length).toBeGreaterThan(20);
    expect(await leakedSecrets(harness, answered.join("\n"))).toEqual([]);
  });
});
