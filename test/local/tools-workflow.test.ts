import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/mcp-server.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import type { NtfySimulator } from "../../local/simulators/ntfy.ts";
import {
  callTool,
  connectClient,
  getStatus,
  type Harness,
  readEvents,
  STACK_TRACE,
  startHarness,
} from "./harness.ts";

/** Every tool's success and failure paths, through the state machine of the local runtime. */

let harness: Harness;
let client: Client;
let site: GolfSimulator;
let ntfy: NtfySimulator;

const ZONE = "America/Los_Angeles";
const inDays = (n: number) => addDays(localParts(ZONE, new Date()).date, n);

const logs: string[] = [];

beforeAll(async () => {
  harness = await startHarness({ log: (line) => logs.push(line) });
  client = await connectClient(harness.runtime);
  site = harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
  ntfy = harness.runtime.simulators.ntfy as NtfySimulator;
});
afterAll(async () => {
  await client.close();
  await harness.close();
});
beforeEach(() => {
  site.heal();
  ntfy.heal();
});

interface Result {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

async function call(name: string, args: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await callTool(harness.runtime, name, args, headers);
  const body = await response.json();
  expect(body.error).toBeUndefined();
  const result = body.result as Result;
  const id = String(result._meta?.[REQUEST_ID_META_KEY]);
  const status = await (await getStatus(harness.runtime, id)).json();
  return { result, id, status, text: result.content[0]?.text ?? "" };
}

const count = (sim: { requests: string[] }, suffix: string) =>
  sim.requests.filter((r) => r.endsWith(suffix)).length;

describe("from an MCP client against the simulated upstreams", () => {
  it("searches, books for 3 players, lists the reservation and notifies the phone", async () => {
    const date = inDays(3);
    const search = (await client.callTool({
      name: "golf_search_tee_times",
      arguments: { date, players: 3, startTime: "08:00", endTime: "09:00" },
    })) as Result;
    const teeTimes = search.structuredContent?.teeTimes as { teeSheetId: number; startTime: string }[];
    expect(teeTimes.map((t) => t.startTime.slice(11, 16))).toEqual([
      "08:00",
      "08:10",
      "08:20",
      "08:30",
      "08:40",
      "08:50",
      "09:00",
    ]);
    const chosen = teeTimes[1] as { teeSheetId: number };

    const booked = (await client.callTool({
      name: "golf_book_tee_time",
      arguments: { teeSheetId: chosen.teeSheetId, players: 3 },
    })) as Result;
    expect(booked.isError).toBeFalsy();
    expect(booked.structuredContent).toMatchObject({
      players: 3,
      teeSheetId: chosen.teeSheetId,
      totalDueAtCourse: 135,
    });
    expect(booked.content[0]?.text).toMatch(
      /^Booked Sample Links on .* at 08:10 for 3 players\. Confirmation [0-9A-F]{8}/,
    );
    expect(site.openSpots(chosen.teeSheetId)).toBe(1);

    const listed = (await client.callTool({ name: "golf_get_reservations", arguments: {} })) as Result;
    const reservations = listed.structuredContent?.reservations as Record<string, unknown>[];
    expect(reservations).toContainEqual(
      expect.objectContaining({
        confirmationKey: booked.structuredContent?.confirmationKey,
        players: 3,
        cancelUrl: expect.stringContaining("/onlineresweb/auth/verify-email?returnUrl=cancel-booking"),
      }),
    );

    // The booking's Tool Call Completed event reaches the notification rule.
    await vi.waitFor(() => expect(ntfy.received.map((m) => m.title)).toContain("Tee time booked"), {
      timeout: 3_000,
    });
    const notice = ntfy.received.find((m) => m.title === "Tee time booked");
    expect(notice).toMatchObject({ topic: "rez-agent-mcp-demo", priority: 4, tags: ["golf"] });
    expect(notice?.message).toMatch(/^Booked Sample Links on .* at 08:10 for 3 players$/);

    const pushed = (await client.callTool({
      name: "send_push_notification",
      arguments: { title: "Pack the umbrella", message: "Rain at 9", priority: "low" },
    })) as Result;
    expect(pushed.isError).toBeFalsy();
    expect(ntfy.received.at(-1)).toMatchObject({
      title: "Pack the umbrella",
      message: "Rain at 9",
      priority: 2,
    });
  });
});

describe("golf_book_tee_time through the state machine", () => {
  it("gives the last spot to one of two concurrent requests; the other fails with 'no longer available'", async () => {
    const id = site.teeSheetId(inDays(4), "10:00");
    site.takeSpots(id, 3);
    const [a, b] = await Promise.all([
      call("golf_book_tee_time", { teeSheetId: id, players: 1 }),
      call("golf_book_tee_time", { teeSheetId: id, players: 1 }),
    ]);
    const outcomes = [a, b].map((c) => c.status.status).sort();
    expect(outcomes).toEqual(["completed", "failed"]);
    const loser = [a, b].find((c) => c.status.status === "failed");
    expect(loser?.result.isError).toBe(true);
    expect(loser?.text).toContain("no longer available");
    expect(loser?.status.error).toMatchObject({ type: "UpstreamRejected" });
    expect(site.openSpots(id)).toBe(0);
  });

  it("books once for a request re-sent with the same Idempotency-Key, answering with the first booking", async () => {
    const id = site.teeSheetId(inDays(4), "11:00");
    const headers = { "idempotency-key": `book-${id}` };
    const first = await call("golf_book_tee_time", { teeSheetId: id, players: 2 }, headers);
    const again = await call("golf_book_tee_time", { teeSheetId: id, players: 2 }, headers);
    expect(again.id).toBe(first.id);
    expect(again.result.structuredContent).toEqual(first.result.structuredContent);
    expect(site.reservations.filter((r) => r.teeSheetId === id)).toHaveLength(1);
    expect(site.openSpots(id)).toBe(2);
  });

  it("fails without retrying when the reservation step answers 500 after the hold", async () => {
    const id = site.teeSheetId(inDays(4), "12:00");
    site.fail({ kind: "status", status: 500, path: "ReserveTeeTimes" });
    const before = count(site, "ReserveTeeTimes");
    const { status, text } = await call("golf_book_tee_time", { teeSheetId: id, players: 2 });
    expect(status).toMatchObject({
      status: "failed",
      error: { type: "BookingIncomplete", upstreamStatus: 500 },
    });
    expect(text).toMatch(/may or may not be booked\. Check with golf_get_reservations/);
    expect(count(site, "ReserveTeeTimes") - before).toBe(1);
  });

  it("retries a hold the site rate-limited, then books", async () => {
    const id = site.teeSheetId(inDays(4), "13:00");
    site.fail({ kind: "status", status: 429, path: "LockTeeTimes" }, 1);
    const before = count(site, "LockTeeTimes");
    const { status } = await call("golf_book_tee_time", { teeSheetId: id, players: 1 });
    expect(status.status).toBe("completed");
    expect(count(site, "LockTeeTimes") - before).toBe(2);
  });

  it("fails a tee sheet id that does not exist at once", async () => {
    const { status, text } = await call("golf_book_tee_time", { teeSheetId: 99, players: 1 });
    expect(status).toMatchObject({ status: "failed", error: { type: "UpstreamRejected" } });
    expect(text).toContain("does not exist");
  });
});

describe("golf_search_tee_times and golf_get_reservations through the state machine", () => {
  it("retries a site that is down three times, then fails with a readable message", async () => {
    site.fail({ kind: "status", status: 503, path: "TeeTimes" });
    const before = count(site, `searchType=1`);
    const { status, text } = await call("golf_search_tee_times", { date: inDays(1) });
    expect(status).toMatchObject({
      status: "failed",
      error: { type: "UpstreamUnavailable", upstreamStatus: 503 },
    });
    expect(text).toBe(
      "The Sample Links booking site (TeeTimes) is unavailable right now (HTTP 503). Try again later.",
    );
    expect(count(site, "searchType=1") - before).toBe(4);
  });

  it.each([
    ["players 0", { date: "2030-01-01", players: 0 }, '"players" must be >= 1'],
    ["players 5", { date: "2030-01-01", players: 5 }, '"players" must be <= 4'],
    ["an unparseable date", { date: "next friday" }, '"date" must be a date written YYYY-MM-DD'],
    [
      "a time that is not a time",
      { date: "2030-01-01", startTime: "25:00" },
      '"startTime" must be a time of day',
    ],
  ])("answers %s with a JSON-RPC error naming the field", async (_, args, message) => {
    const response = await callTool(harness.runtime, "golf_search_tee_times", args);
    const body = await response.json();
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toContain(message);
  });

  it.each([
    ["a date in the past", () => ({ date: inDays(-1) }), /is in the past/],
    [
      "a date not open yet",
      () => ({ date: inDays(30) }),
      /has not opened .* for booking yet: .* 14 days ahead/,
    ],
    [
      "an unknown course",
      () => ({ date: inDays(1), course: "Augusta" }),
      /Configured courses: Sample Links \(sample-links\)/,
    ],
    [
      "an end before the start",
      () => ({ date: inDays(1), startTime: "12:00", endTime: "08:00" }),
      /before the start time/,
    ],
  ])("fails %s at once as an error the model can act on", async (_, args, message) => {
    const { status, text, result } = await call("golf_search_tee_times", args());
    expect(result.isError).toBe(true);
    expect(status).toMatchObject({ status: "failed", error: { type: "ValidationFailed" } });
    expect(text).toMatch(message);
    expect(text).not.toMatch(STACK_TRACE);
  });

  it("lists reservations, and fails readably when the site answers garbage", async () => {
    const ok = await call("golf_get_reservations", { course: "sample" });
    expect(ok.status.status).toBe("completed");
    site.fail({ kind: "malformed", path: "UpcomingReservation" });
    const bad = await call("golf_get_reservations", {});
    expect(bad.status).toMatchObject({ status: "failed", error: { type: "UpstreamUnavailable" } });
    expect(bad.text).toMatch(/answered with malformed data/);
  });

  it("fails a badly signed sign-in token without retrying it", async () => {
    harness.runtime.simulators.golf["sample-links"]?.revokeTokens();
    site.failTokens("badSignature");
    const { status, text } = await call("golf_search_tee_times", { date: inDays(2) });
    expect(status).toMatchObject({ status: "failed", error: { type: "UpstreamRejected" } });
    expect(text).toContain("failed verification (its signature does not match the site's keys)");
  });
});

describe("golf_cancel_reservation through the state machine", () => {
  it("cancels once for a request re-sent with the same Idempotency-Key, with one event", async () => {
    const teeSheetId = site.teeSheetId(inDays(5), "14:00");
    const booked = await call("golf_book_tee_time", { teeSheetId, players: 2 });
    const reservationId = booked.result.structuredContent?.reservationId;
    const headers = { "idempotency-key": `cancel-${reservationId}` };
    const before = count(site, "CancelReservation");
    const first = await call("golf_cancel_reservation", { reservationId }, headers);
    expect(first.status).toMatchObject({ status: "completed" });
    const again = await call("golf_cancel_reservation", { reservationId }, headers);
    expect(again.id).toBe(first.id);
    expect(again.result.structuredContent).toEqual(first.result.structuredContent);
    expect(count(site, "CancelReservation") - before).toBe(1);
    expect(site.openSpots(teeSheetId)).toBe(4);
    const events = (await readEvents(harness.runtime)).filter((e) => e.detail.requestId === first.id);
    expect(events.map((e) => e["detail-type"])).toEqual(["Tool Call Completed"]);
  });

  it("fails without retrying, saying to check, when the site takes the cancellation and never answers", async () => {
    const booked = await call("golf_book_tee_time", {
      teeSheetId: site.teeSheetId(inDays(5), "14:10"),
      players: 1,
    });
    site.fail({ kind: "drop", path: "CancelReservation" }, 1);
    const before = count(site, "CancelReservation");
    const { status, text } = await call("golf_cancel_reservation", {
      reservationId: booked.result.structuredContent?.reservationId,
    });
    expect(status).toMatchObject({ status: "failed", error: { type: "OutcomeUnknown" } });
    expect(text).toMatch(/may or may not be cancelled\. Check with golf_get_reservations/);
    expect(count(site, "CancelReservation") - before).toBe(1);
  });
});

describe("send_push_notification through the state machine", () => {
  it.each([
    ["a CRLF in the title", { title: "Hi\r\nX-Evil: 1", message: "m" }, '"title" must be one line'],
    [
      "a 10 kB title",
      { title: "t".repeat(10_240), message: "m" },
      '"title" must NOT have more than 250 characters',
    ],
    [
      "a click URL that is not https",
      { title: "t", message: "m", click: "http://x.example" },
      '"click" must be an https:// URL',
    ],
  ])("answers %s with a JSON-RPC error naming the field, sending nothing", async (_, args, message) => {
    const before = ntfy.requests.length;
    const body = await (await callTool(harness.runtime, "send_push_notification", args)).json();
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toContain(message);
    expect(ntfy.requests.length).toBe(before);
  });

  it("retries ntfy's 429 three times and then delivers", async () => {
    ntfy.fail({ kind: "status", status: 429 }, 3);
    const before = ntfy.requests.length;
    const { status, result } = await call("send_push_notification", { title: "Retry me", message: "m" });
    expect(status.status).toBe("completed");
    expect(result.structuredContent).toMatchObject({ topic: "re…mo" });
    expect(ntfy.requests.length - before).toBe(4);
    expect(ntfy.received.filter((m) => m.title === "Retry me")).toHaveLength(1);
  });

  it("fails at once on a refusal, showing ntfy's reason", async () => {
    ntfy.fail({ kind: "status", status: 400 }, 1);
    const before = ntfy.requests.length;
    const { status, text } = await call("send_push_notification", { title: "t", message: "m" });
    expect(status).toMatchObject({
      status: "failed",
      error: { type: "UpstreamRejected", upstreamStatus: 400 },
    });
    expect(text).toBe("The ntfy server refused the request (HTTP 400): Simulated failure.");
    expect(ntfy.requests.length - before).toBe(1);
  });

  it("keeps secrets and personal data out of events, records and logs", async () => {
    const events = await readEvents(harness.runtime);
    expect(events.length).toBeGreaterThan(10);
    const records = await Promise.all(
      events.map(async (e) => (await getStatus(harness.runtime, String(e.detail.requestId))).text()),
    );
    const everything = JSON.stringify(events) + records.join("\n") + logs.join("\n");
    expect(everything).toContain("Booked Sample Links");
    for (const secret of ["demo-password", "demo@example.com", "A-40127", "eyJ", "Bearer"]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe("a server without an ntfy topic", () => {
  it("answers send_push_notification with a clear 'not set up', and sends no booking notifications", async () => {
    const bare = await startHarness({ ntfy: { topic: "" } });
    try {
      expect(bare.runtime.notifiesBookings).toBe(false);
      const response = await callTool(bare.runtime, "send_push_notification", { title: "t", message: "m" });
      const { result } = await response.json();
      expect(result.isError).toBe(true);
      expect(result.content[0].text).toMatch(/not set up on this server: it has no ntfy topic/);
    } finally {
      await bare.close();
    }
  });
});
