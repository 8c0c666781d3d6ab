import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Rehearsal, startRehearsal } from "../../local/rehearsal/rehearsal.ts";
import { runSession, type Step } from "../../local/rehearsal/session.ts";

/**
 * A bounded smoke of `npm run rehearse`: the synthesized stack's own bundles, definitions, rules, tables and
 * environment, run on this machine, serve an MCP session end to end.
 */
let rehearsal: Rehearsal;
let steps: Step[];

beforeAll(async () => {
  rehearsal = await startRehearsal();
  steps = await runSession(rehearsal);
}, 180_000);
afterAll(async () => {
  await rehearsal?.close();
});

describe("the rehearsal of the synthesized stack", () => {
  it("passes every step of the MCP session", () => {
    expect(steps.filter((step) => !step.ok)).toEqual([]);
    expect(steps.map((step) => step.name)).toEqual(
      expect.arrayContaining([
        "a wrong key reads as a wrong key (the stack's gateway response)",
        "a browser's CORS preflight is answered without a key, for the stage's allowed origin only",
        "golf_book_tee_time (standard)",
        "a golfer's own key books as that golfer, and only its phone hears (GOLFER_KEYS, its secret by name)",
        "booking notification (rule → notifier bundle → ntfy)",
        "cancel during ReserveTeeTimes → 'may still complete'",
        "reconciler fed a Step Functions status-change event",
        "golf_book_when_open at a release (woken early, books at the site's instant)",
        "golf_watch_tee_times books a match and pushes",
        "golf_book_when_open cancelled during its wait",
      ]),
    );
  });

  it("loads every function's bundle with nothing but Node's built-ins, and none of them fails", () => {
    for (const host of rehearsal.hosts) {
      expect({ name: host.name, errors: host.stats.errors }).toEqual({ name: host.name, errors: 0 });
      expect(host.stats.invocations, host.name).toBeGreaterThan(0);
      expect(host.stats.initMs.length, host.name).toBeGreaterThan(0);
    }
  });

  it("finds the golf course the stack configured, from the template's own COURSES_JSON", () => {
    expect(rehearsal.simulators.golf.reservations.length).toBeGreaterThanOrEqual(2);
  });

  it("publishes one completion event per finished call, booking included", () => {
    const completed = rehearsal.events.filter((event) => event["detail-type"] === "Tool Call Completed");
    expect(completed.map((event) => event.detail.tool)).toEqual(
      expect.arrayContaining(["get_weather", "golf_book_tee_time", "send_push_notification"]),
    );
    const ids = completed.map((event) => event.detail.requestId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
