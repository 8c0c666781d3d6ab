import { describe, expect, it } from "vitest";
import { DEFAULT_FRONT_CONFIG } from "../../functions/core/config.ts";
import type { ToolCallEvent } from "../../functions/core/events.ts";
import type { WorkflowInput, WorkflowStarter } from "../../functions/core/ports.ts";
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

function setup() {
  const tools = new ToolRegistry([tool("read_thing", true), tool("book_thing", false)]);
  const store = new MemoryStore();
  const started: WorkflowInput[] = [];
  const events: ToolCallEvent[] = [];
  const starter: WorkflowStarter = {
    executionArn: (id) => `arn:test:execution:sm:${id}`,
    consoleUrl: () => undefined,
    start: async (input) => {
      started.push(input);
      return "started";
    },
    run: async () => ({ status: "SUCCEEDED" }),
    stop: async () => {},
    describe: async () => ({ status: "NOT_FOUND" }),
  };
  const calls = new ToolCalls(
    {
      tools,
      validator: new ArgumentValidator(tools.list()),
      store,
      starter,
      events: { publish: async (event) => void events.push(event) },
      clock: { now: () => Date.parse("2026-11-24T12:00:05Z") },
      onUnexpectedError: () => {},
    },
    DEFAULT_FRONT_CONFIG,
  );
  return { calls, store, started, events };
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
    executionArn: `arn:test:execution:sm:${id}`,
    createdAt: "2026-11-24T12:00:00.000Z",
    lastUpdatedAt: "2026-11-24T12:00:00.000Z",
    expiresAt: 0,
  };
}

describe("ToolCalls.recover", () => {
  it("restarts an idempotent call under the same execution name", async () => {
    const { calls, store, started } = setup();
    await store.create(working("11111111-1111-4111-8111-111111111111", "read_thing"));
    expect(await calls.recover(working("11111111-1111-4111-8111-111111111111", "read_thing"))).toBe(
      "restarted",
    );
    expect(started).toEqual([
      {
        requestId: "11111111-1111-4111-8111-111111111111",
        tool: "read_thing",
        arguments: {},
        owner: "alice",
        startedAt: Date.parse("2026-11-24T12:00:00.000Z"),
      },
    ]);
  });

  it("fails a call whose side effect may have happened with a message that says so, and publishes it", async () => {
    const { calls, store, started, events } = setup();
    const record = working("22222222-2222-4222-8222-222222222222", "book_thing");
    await store.create(record);
    expect(await calls.recover(record)).toBe("failed");
    expect(started).toEqual([]);
    const settled = await store.get(record.id);
    expect(settled?.status).toBe("failed");
    expect(settled?.statusMessage).toMatch(/may or may not have taken effect. Check before trying again/);
    expect(events.map((e) => [e.detailType, e.detail.durationMs])).toEqual([["Tool Call Failed", 5000]]);
  });
});

describe("ToolCalls.cancel", () => {
  it("never changes a terminal status", async () => {
    const { calls, store, events } = setup();
    const record = {
      ...working("33333333-3333-4333-8333-333333333333", "read_thing"),
      status: "completed" as const,
    };
    await store.create(record);
    const outcome = await calls.cancel(record.id, { owner: "alice" });
    expect(outcome?.outcome).toBe("finished");
    expect((await store.get(record.id))?.status).toBe("completed");
    expect(events).toEqual([]);
  });
});
