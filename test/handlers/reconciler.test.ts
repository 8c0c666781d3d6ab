import { describe, expect, it } from "vitest";
import { Catalog } from "../../functions/core/catalog.ts";
import { DEFAULT_FRONT_CONFIG } from "../../functions/core/config.ts";
import type { ToolCallEvent } from "../../functions/core/events.ts";
import { createFront } from "../../functions/core/front.ts";
import type { ExecutionState } from "../../functions/core/ports.ts";
import type { RequestRecord } from "../../functions/core/record.ts";
import { ToolRegistry } from "../../functions/core/tool.ts";
import { createReconciler, type ExecutionStatusChange } from "../../functions/handlers/reconciler.ts";
import { golfCatalog } from "../../functions/tools/golf-catalog.ts";
import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";
import { STATE_MACHINES } from "../../statemachines/definitions.ts";
import { MemoryStore } from "../core/memory-store.ts";

function setup(
  status: RequestRecord["status"],
  described: ExecutionState = { status: "TIMED_OUT" },
  extra: Partial<RequestRecord> = {},
) {
  const store = new MemoryStore();
  const events: ToolCallEvent[] = [];
  const front = createFront(
    {
      machines: STATE_MACHINES,
      tools: new ToolRegistry(TOOL_DEFINITIONS),
      store,
      starter: {
        executionId: (id) => `arn:x:${id}`,
        executionUrl: () => undefined,
        start: async () => "started",
        run: async () => ({ status: "SUCCEEDED" }),
        stop: async () => {},
        describe: async () => described,
      },
      events: { publish: async (event) => void events.push(event) },
      clock: { now: () => Date.parse("2026-11-24T12:00:05Z") },
      authenticator: { authenticate: async () => undefined },
      confirmationSecret: async () => "test-secret",
      catalog: new Catalog(golfCatalog([])),
      histories: { historyOf: async () => ({ unavailable: "none in this test" }) },
      onUnexpectedError: () => {},
    },
    DEFAULT_FRONT_CONFIG,
  );
  store.records.set("r-1", {
    id: "r-1",
    owner: "key-1",
    tool: "golf_book_tee_time",
    status,
    statusMessage: "",
    arguments: {},
    argumentsDigest: "",
    executionId: "arn:x:r-1",
    createdAt: "2026-11-24T12:00:00Z",
    lastUpdatedAt: "2026-11-24T12:00:00Z",
    expiresAt: 0,
    ...extra,
  });
  const event = (state: string) =>
    ({
      detail: { name: "r-1", status: state, executionArn: "arn:x:r-1", stateMachineArn: "arn:sm" },
    }) as ExecutionStatusChange;
  const starter = { describe: async () => described };
  return { reconcile: createReconciler(front.lifecycle, store, starter), store, events, event };
}

describe("the reconciler", () => {
  it.each(["TIMED_OUT", "ABORTED", "FAILED"] as const)(
    "fails a call still working whose execution ended %s, and says so once",
    async (state) => {
      const { reconcile, store, events, event } = setup("working", { status: state });
      expect(await reconcile(event(state))).toBe("settled");
      expect(store.records.get("r-1")).toMatchObject({
        status: "failed",
        error: { type: `Execution${state}` },
      });
      expect(events.map((e) => [e.detailType, e.detail.durationMs])).toEqual([["Tool Call Failed", 5000]]);
      expect(await reconcile(event(state))).toBe("unchanged");
      expect(events).toHaveLength(1);
    },
  );

  it("never tells the golfer to try again when the booking step had started", async () => {
    const { reconcile, store, event } = setup(
      "working",
      { status: "TIMED_OUT" },
      { toolStartedAt: "2026-11-24T12:00:01Z" },
    );
    await reconcile(event("TIMED_OUT"));
    const message = store.records.get("r-1")?.statusMessage ?? "";
    expect(message).toMatch(/may or may not be booked\. Check with golf_get_reservations/);
    expect(message).not.toMatch(/try again/i);
  });

  it("says nothing was done when the execution stopped before the booking step started", async () => {
    const { reconcile, store, event } = setup("working", { status: "ABORTED" });
    await reconcile(event("ABORTED"));
    expect(store.records.get("r-1")?.statusMessage).toMatch(
      /before its golf_book_tee_time step started, so nothing was done/,
    );
  });

  it("records a booking that succeeded but could not be written, as completed, and publishes it", async () => {
    const result = {
      content: [{ type: "text", text: "Booked 08:10" }],
      structuredContent: { reservationId: 7 },
    };
    const { reconcile, store, events, event } = setup("working", {
      status: "FAILED",
      error: "ResultNotRecorded",
      cause: JSON.stringify(result),
    });
    expect(await reconcile(event("FAILED"))).toBe("settled");
    expect(store.records.get("r-1")).toMatchObject({ status: "completed", result });
    expect(events.map((e) => [e.detailType, e.detail.tool])).toEqual([
      ["Tool Call Completed", "golf_book_tee_time"],
    ]);
  });

  it("records a tool's own failure from the execution's error and cause", async () => {
    const { reconcile, store, event } = setup("working", {
      status: "FAILED",
      error: "UpstreamRejected",
      cause: JSON.stringify({ message: "That tee time is no longer available.", upstreamStatus: 409 }),
    });
    await reconcile(event("FAILED"));
    expect(store.records.get("r-1")).toMatchObject({
      status: "failed",
      statusMessage: "That tee time is no longer available.",
      error: { type: "UpstreamRejected" },
    });
  });

  it("leaves a call the state machine already settled as it is", async () => {
    const { reconcile, store, events, event } = setup("failed");
    expect(await reconcile(event("FAILED"))).toBe("unchanged");
    expect(store.records.get("r-1")?.status).toBe("failed");
    expect(events).toEqual([]);
  });

  it("ignores other statuses and unknown executions", async () => {
    const { reconcile, event } = setup("working");
    expect(await reconcile(event("RUNNING"))).toBe("unchanged");
    expect(
      await reconcile({ ...event("FAILED"), detail: { ...event("FAILED").detail, name: "other" } }),
    ).toBe("unchanged");
  });
});
