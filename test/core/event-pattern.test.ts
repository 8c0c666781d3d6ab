import { describe, expect, it } from "vitest";
import { matchesPattern } from "../../functions/core/event-pattern.ts";
import type { EventPattern } from "../../functions/core/events.ts";
import { EVENT_RULES } from "../../functions/tools/manifest.ts";

const booking = {
  source: "rez-agent-mcp",
  "detail-type": "Tool Call Completed",
  detail: { tool: "golf_book_tee_time", status: "completed", durationMs: 1200, tags: ["a", "b"] },
};

describe("matchesPattern", () => {
  it.each<[string, EventPattern, boolean]>([
    ["the booking rule on a completed booking", EVENT_RULES.notifyOnBooking, true],
    ["an exact source", { source: ["rez-agent-mcp"] }, true],
    ["another source", { source: ["aws.states"] }, false],
    ["any of several values", { "detail-type": ["Tool Call Failed", "Tool Call Completed"] }, true],
    ["a nested field", { detail: { status: ["completed"] } }, true],
    ["a nested field that differs", { detail: { status: ["failed"] } }, false],
    ["a prefix", { detail: { tool: [{ prefix: "golf_" }] } }, true],
    ["a prefix that differs", { detail: { tool: [{ prefix: "get_" }] } }, false],
    ["anything-but a listed value", { detail: { tool: [{ "anything-but": ["get_weather"] }] } }, true],
    [
      "anything-but the value itself",
      { detail: { tool: [{ "anything-but": "golf_book_tee_time" }] } },
      false,
    ],
    ["exists: true on a present field", { detail: { durationMs: [{ exists: true }] } }, true],
    ["exists: false on a missing field", { detail: { error: [{ exists: false }] } }, true],
    ["exists: true on a missing field", { detail: { error: [{ exists: true }] } }, false],
    ["a number", { detail: { durationMs: [1200] } }, true],
    ["an array element", { detail: { tags: ["b"] } }, true],
    ["a nested pattern on a missing object", { missing: { x: ["y"] } }, false],
  ])("matches %s: %s", (_, pattern, expected) => {
    expect(matchesPattern(pattern, booking)).toBe(expected);
  });

  it("does not send a weather completion to the booking rule", () => {
    const weather = { ...booking, detail: { ...booking.detail, tool: "get_weather" } };
    expect(matchesPattern(EVENT_RULES.notifyOnBooking, weather)).toBe(false);
  });
});
