import { describe, expect, it } from "vitest";
import { DEFAULT_FRONT_CONFIG } from "../../functions/core/config.ts";
import type { ToolCallEvent } from "../../functions/core/events.ts";
import { createFront } from "../../functions/core/front.ts";
import type { RequestRecord } from "../../functions/core/record.ts";
import { ToolRegistry } from "../../functions/core/tool.ts";
import { createReconciler, type ExecutionStatusChange } from "../../functions/handlers/reconciler.ts";
import { TOOL_DEFINITIONS } from "../../functions/tools/definitions.ts";
import { MemoryStore } from "../core/memory-store.ts";

function setup(status: RequestRecord["status"]) {
  const store = new MemoryStore();
  const events: ToolCallEvent[] = [];
  const front = createFront(
    {
      tools: new ToolRegistry(TOOL_DEFINITIONS),
      store,
      starter: {
        executionArn: (id) => `arn:x:${id}`,
        consoleUrl: () => undefined,
        start: async () => {},
        stop: async () => {},
      },
      events: { publish: async (event) => void events.push(event) },
      clock: { now: () => Date.parse("2026-11-24T12:00:05Z") },
      authenticator: { authenticate: async () => undefined },
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
    executionArn: "arn:x:r-1",
    createdAt: "2026-11-24T12:00:00Z",
    lastUpdatedAt: "2026-11-24T12:00:00Z",
    expiresAt: 0,
  });
  const event = (state: string) =>
    ({
      detail: { name: "r-1", status: state, executionArn: "arn:x:r-1", stateMachineArn: "arn:sm" },
    }) as ExecutionStatusChange;
  return { reconcile: createReconciler(front.calls, store), store, events, event };
}

describe("the reconciler", () => {
  it.each(["TIMED_OUT", "ABORTED", "FAILED"])(
    "fails a call still working whose execution ended %s, and says so once",
    async (state) => {
      const { reconcile, store, events, event } = setup("working");
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

  it("leaves a call the state machine already settled as it is", async () => {
    const { reconcile, store, events, event } = setup("failed");
    expect(await reconcile(event("FAILED"))).toBe("unchanged");
    expect(store.records.get("r-1")?.status).toBe("failed");
    expect(events).toEqual([]);
  });

  it("ignores other statuses and unknown executions", async () => {
    const { reconcile, event } = setup("working");
    expect(await reconcile(event("SUCCEEDED"))).toBe("unchanged");
    expect(
      await reconcile({ ...event("FAILED"), detail: { ...event("FAILED").detail, name: "other" } }),
    ).toBe("unchanged");
  });
});
