import { describe, expect, it } from "vitest";
import { CallRecovery } from "../../functions/core/call-recovery.ts";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { DEFAULT_FRONT_CONFIG } from "../../functions/core/config.ts";
import type { ToolCallEvent } from "../../functions/core/events.ts";
import type { CallContext } from "../../functions/core/mcp-server.ts";
import {
  type ExecutionState,
  StartRefused,
  StartUnconfirmed,
  type WorkflowInput,
  type WorkflowStarter,
} from "../../functions/core/ports.ts";
import type { RequestRecord } from "../../functions/core/record.ts";
import { type ToolDefinition, ToolRegistry } from "../../functions/core/tool.ts";
import { ToolCalls } from "../../functions/core/tool-calls.ts";
import { ArgumentValidator } from "../../functions/core/validation.ts";
import { MemoryStore } from "./memory-store.ts";

const tool = (name: string, idempotent: boolean): ToolDefinition => ({
  name,
  title: name,
  description: name,
  inputSchema: { type: "object", additionalProperties: false },
  annotations: {
    readOnlyHint: idempotent,
    destructiveHint: !idempotent,
    idempotentHint: idempotent,
    openWorldHint: true,
  },
  runs: "workflow",
});

/** The calls, their lifecycle and their recovery over one set of deps, recording what was published. */
function callsOver(
  tools: ToolRegistry,
  store: MemoryStore,
  starter: WorkflowStarter,
  clock: () => number,
  config = DEFAULT_FRONT_CONFIG,
) {
  const events: ToolCallEvent[] = [];
  const deps = {
    tools,
    validator: new ArgumentValidator(tools.list()),
    store,
    starter,
    events: { publish: async (event: ToolCallEvent) => void events.push(event) },
    clock: { now: clock },
    onUnexpectedError: () => {},
  };
  const calls = new ToolCalls(deps, config);
  return { calls, lifecycle: calls.lifecycle, recovery: new CallRecovery(deps, calls.lifecycle), events };
}

function setup() {
  const tools = new ToolRegistry([tool("read_thing", true), tool("book_thing", false)]);
  const store = new MemoryStore();
  const started: WorkflowInput[] = [];
  const starter: WorkflowStarter = {
    executionId: (id) => `arn:test:execution:sm:${id}`,
    executionUrl: () => undefined,
    start: async (input) => {
      started.push(input);
      return "started";
    },
    run: async () => ({ status: "SUCCEEDED" }),
    stop: async () => {},
    describe: async () => ({ status: "NOT_FOUND" }),
  };
  return { ...callsOver(tools, store, starter, () => Date.parse("2026-11-24T12:00:05Z")), store, started };
}

function working(id: string, toolName: string): RequestRecord {
  return {
    id,
    owner: "alice",
    tool: toolName,
    status: "working",
    statusMessage: "The call is running.",
    arguments: {},
    argumentsDigest: "d",
    executionId: `arn:test:execution:sm:${id}`,
    createdAt: "2026-11-24T12:00:00.000Z",
    lastUpdatedAt: "2026-11-24T12:00:00.000Z",
    expiresAt: 0,
  };
}

describe("ToolCalls.recover", () => {
  it("restarts an idempotent call under the same execution name", async () => {
    const { store, started, recovery } = setup();
    await store.create(working("11111111-1111-4111-8111-111111111111", "read_thing"));
    expect(await recovery.recover(working("11111111-1111-4111-8111-111111111111", "read_thing"))).toBe(
      "restarted",
    );
    expect(started).toEqual([
      {
        requestId: "11111111-1111-4111-8111-111111111111",
        tool: "read_thing",
        arguments: {},
        owner: "alice",
        golfer: "default",
        startedAt: Date.parse("2026-11-24T12:00:00.000Z"),
      },
    ]);
  });

  it("fails a call whose side effect may have happened with a message that says so, and publishes it", async () => {
    const { store, started, events, recovery } = setup();
    const record = working("22222222-2222-4222-8222-222222222222", "book_thing");
    await store.create(record);
    expect(await recovery.recover(record)).toBe("failed");
    expect(started).toEqual([]);
    const settled = await store.get(record.id);
    expect(settled?.status).toBe("failed");
    expect(settled?.statusMessage).toMatch(/may or may not have taken effect. Check before trying again/);
    expect(events.map((e) => [e.detailType, e.detail.durationMs])).toEqual([["Tool Call Failed", 5000]]);
  });
});

describe("the event outbox", () => {
  it("keeps a call's event until it is published: a failed publish leaves it for the next sweep, once", async () => {
    // Prepare: a settled call whose event is still in the outbox, and a bus that fails once
    const tools = new ToolRegistry([tool("book_thing", false)]);
    const store = new MemoryStore();
    const published: ToolCallEvent[] = [];
    let failures = 1;
    const { lifecycle } = new ToolCalls(
      {
        tools,
        validator: new ArgumentValidator(tools.list()),
        store,
        starter: {} as WorkflowStarter,
        events: {
          publish: async (event) => {
            if (failures-- > 0) throw new Error("EventBridge unavailable");
            published.push(event);
          },
        },
        clock: { now: () => Date.parse("2026-11-24T12:10:00Z") },
        onUnexpectedError: () => {},
      },
      DEFAULT_FRONT_CONFIG,
    );
    await store.create({
      ...working("settled-1", "book_thing"),
      status: "completed",
      statusMessage: "Booked.",
      settledAt: "2026-11-24T12:00:01.000Z",
      outbox: "pending",
    } as RequestRecord);
    // Act and assess: the failed publish keeps it; the next sweep publishes it once and marks it sent
    expect(await lifecycle.deliverPendingEvents(1_000)).toBe(0);
    expect((await store.get("settled-1"))?.outbox).toBe("pending");
    expect(await lifecycle.deliverPendingEvents(1_000)).toBe(1);
    expect(published.map((e) => e.detail.requestId)).toEqual(["settled-1"]);
    expect((await store.get("settled-1"))?.outbox).toBeUndefined();
    expect(await lifecycle.deliverPendingEvents(1_000)).toBe(0);
    expect(published).toHaveLength(1);
  });
});

describe("ToolCalls.cancel", () => {
  it("never changes a terminal status", async () => {
    const { store, events, lifecycle } = setup();
    const record = {
      ...working("33333333-3333-4333-8333-333333333333", "read_thing"),
      status: "completed" as const,
    };
    await store.create(record);
    const outcome = await lifecycle.cancel(record.id, { owner: "alice" });
    expect(outcome?.outcome).toBe("finished");
    expect((await store.get(record.id))?.status).toBe("completed");
    expect(events).toEqual([]);
  });
});

/** A ToolCalls over a scriptable starter: how starts answer, how executions are described. */
function scripted(answers: {
  start?: () => Promise<"started" | "exists">;
  run?: () => Promise<ExecutionState>;
  describe?: () => Promise<ExecutionState>;
}) {
  const tools = new ToolRegistry([
    tool("read_thing", true),
    { ...tool("book_thing", false), effect: EFFECT },
  ]);
  const store = new MemoryStore();
  const stops: string[] = [];
  let starts = 0;
  const starter: WorkflowStarter = {
    executionId: (id, kind) => `arn:test:${kind}:sm:${id}`,
    executionUrl: () => undefined,
    start: async () => {
      starts += 1;
      return (answers.start ?? (async () => "started" as const))();
    },
    run: answers.run ?? (async () => ({ status: "SUCCEEDED" })),
    stop: async (arn) => void stops.push(arn),
    describe: answers.describe ?? (async () => ({ status: "RUNNING" })),
  };
  let now = Date.parse("2026-11-24T12:00:00Z");
  const { calls, recovery, events } = callsOver(tools, store, starter, () => now, {
    ...DEFAULT_FRONT_CONFIG,
    syncBudgetMs: 50,
  });
  const context: CallContext = { principal: { owner: "alice" }, endpointUrl: "http://x/mcp" } as CallContext;
  return {
    calls,
    recovery,
    store,
    events,
    stops,
    starts: () => starts,
    context,
    later: (ms: number) => {
      now += ms;
    },
  };
}

const EFFECT = { unknown: "the thing may or may not be booked", check: "Check your things first." };
const idOf = (result: unknown) =>
  (result as { _meta: Record<string, string> })._meta[REQUEST_ID_META_KEY] as string;

describe("starting a call's workflow", () => {
  it("fails a call whose start Step Functions refused, saying nothing was done", async () => {
    const { calls, store, starts, context } = scripted({
      start: async () => {
        throw new StartRefused("ExecutionLimitExceeded: too many");
      },
    });
    const id = idOf(await calls.call("book_thing", {}, context));
    expect(starts()).toBe(1);
    expect(await store.get(id)).toMatchObject({
      status: "failed",
      error: { type: "WorkflowStartRefused" },
      statusMessage: expect.stringMatching(/could not be started .* so nothing was done/),
    });
  });

  it("asks again when a start gets no clear answer, and never calls it failed while it may run", async () => {
    const { calls, store, starts, context } = scripted({
      start: async () => {
        throw new StartUnconfirmed("TimeoutError: no answer");
      },
    });
    const id = idOf(await calls.call("book_thing", {}, context));
    expect(starts()).toBe(3);
    const record = await store.get(id);
    expect(record?.status).toBe("working");
    expect(record?.statusMessage).toMatch(/may or may not be running; this is being checked/);
  });

  it("never runs again the earlier call an expired Idempotency-Key names, and reports its outcome when known", async () => {
    const result = { content: [{ type: "text", text: "Booked" }] };
    const { calls, store, context } = scripted({
      start: async () => "exists",
      describe: async () => ({
        status: "SUCCEEDED",
        output: JSON.stringify({ outcome: { resultJson: JSON.stringify(result) } }),
      }),
    });
    const answer = await calls.call("book_thing", {}, { ...context, idempotencyKey: "booking-1" });
    expect(await store.get(idOf(answer))).toMatchObject({ status: "completed", result });
  });

  it("says an expired Idempotency-Key's earlier call ran, when its outcome is gone", async () => {
    const { calls, store, context } = scripted({
      start: async () => "exists",
      describe: async () => ({ status: "ABORTED" }),
    });
    const answer = await calls.call("book_thing", {}, { ...context, idempotencyKey: "booking-2" });
    expect(await store.get(idOf(answer))).toMatchObject({
      status: "failed",
      error: { type: "IdempotencyKeyReused" },
      statusMessage: expect.stringMatching(/It was not run again/),
    });
  });

  it("settles a read-only call whose express execution failed, with the tool's own message", async () => {
    const { calls, store, context } = scripted({
      run: async () => ({
        status: "FAILED",
        error: "UpstreamUnavailable",
        cause: JSON.stringify({ message: "The weather service is down.", upstreamStatus: 503 }),
      }),
    });
    const answer = await calls.call("read_thing", {}, context);
    expect(answer).toMatchObject({ isError: true, content: [{ text: "The weather service is down." }] });
    expect((await store.get(idOf(answer)))?.error?.type).toBe("UpstreamUnavailable");
  });
});

describe("the sweeper", () => {
  it("settles a call whose workflow never started, saying nothing was done, and leaves running ones", async () => {
    let state: ExecutionState = { status: "RUNNING" };
    const { calls, store, events, later, context, recovery } = scripted({
      start: async () => {
        throw new StartUnconfirmed("socket hang up");
      },
      describe: async () => state,
    });
    const id = idOf(await calls.call("book_thing", {}, context));
    later(3 * 60_000);
    expect(await recovery.sweep(120_000, 360_000)).toEqual({ checked: 1, settled: 0 });
    state = { status: "NOT_FOUND" };
    expect(await recovery.sweep(120_000, 360_000)).toEqual({ checked: 1, settled: 1 });
    expect(await store.get(id)).toMatchObject({
      status: "failed",
      statusMessage: expect.stringMatching(/never started, so nothing was done/),
    });
    expect(events.map((e) => e.detailType)).toEqual(["Tool Call Failed"]);
    expect(await recovery.sweep(120_000, 360_000)).toEqual({ checked: 0, settled: 0 });
  });

  it("leaves a call still starting alone within its grace, though Step Functions does not know it yet", async () => {
    // Prepare: a start whose answer never came, and an execution not (yet) found
    const { calls, store, later, context, recovery } = scripted({
      start: async () => {
        throw new StartUnconfirmed("socket hang up");
      },
      describe: async () => ({ status: "NOT_FOUND" }),
    });
    const id = idOf(await calls.call("book_thing", {}, context));
    // Act: a sweep a second later, inside the two minutes' grace
    later(1_000);
    const swept = await recovery.sweep(120_000, 360_000);
    // Assess: not even looked at, still working; after the grace it is settled as never started
    expect(swept).toEqual({ checked: 0, settled: 0 });
    expect((await store.get(id))?.status).toBe("working");
    later(120_000);
    expect((await recovery.sweep(120_000, 360_000)).settled).toBe(1);
  });

  it("settles an express call still working past the longest express run, and not before", async () => {
    const { calls, store, later, context, recovery } = scripted({ run: () => new Promise(() => {}) });
    const id = idOf(await calls.call("read_thing", {}, context));
    later(3 * 60_000);
    expect((await recovery.sweep(120_000, 360_000)).settled).toBe(0);
    later(4 * 60_000);
    expect((await recovery.sweep(120_000, 360_000)).settled).toBe(1);
    expect((await store.get(id))?.statusMessage).toMatch(/It changes nothing, so try again/);
  });
});

describe("cancelling honestly", () => {
  it("cancels and stops a call whose side effect has not started", async () => {
    const { calls, store, events, stops, context } = scripted({});
    const id = idOf(await calls.call("book_thing", {}, context));
    const outcome = await calls.lifecycle.cancel(id, { owner: "alice" });
    expect(outcome?.outcome).toBe("cancelled");
    expect((await store.get(id))?.status).toBe("cancelled");
    expect(stops).toEqual([`arn:test:standard:sm:${id}`]);
    expect(events.map((e) => e.detailType)).toEqual(["Tool Call Cancelled"]);
  });

  it("once the side effect started, keeps the call working, says so, and stops nothing", async () => {
    const { calls, store, events, stops, context } = scripted({});
    const id = idOf(await calls.call("book_thing", {}, context));
    const record = store.records.get(id);
    if (record) record.toolStartedAt = "2026-11-24T12:00:00.100Z";
    const outcome = await calls.lifecycle.cancel(id, { owner: "alice" });
    expect(outcome?.outcome).toBe("too-late");
    expect(await store.get(id)).toMatchObject({
      status: "working",
      cancelRequestedAt: expect.any(String),
      statusMessage: expect.stringMatching(/had already started, so it may still complete/),
    });
    expect(stops).toEqual([]);
    expect(events).toEqual([]);
    await expect(calls.cancelTask(id, { owner: "alice" })).resolves.toMatchObject({ status: "working" });
  });
});
