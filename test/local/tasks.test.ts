import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CallToolResultSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type Harness, OTHER_KEY, post, startHarness } from "./harness.ts";

describe("MCP tasks (2025-11-25)", () => {
  let harness: Harness;
  let client: Client;

  /** Sends a task-augmented tools/call over plain HTTP and returns the created task. */
  async function createTask(name: string, args: Record<string, unknown>) {
    const body = await (
      await post(harness.runtime, {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name, arguments: args, task: {} },
      })
    ).json();
    return body.result.task as { taskId: string; status: string };
  }

  beforeAll(async () => {
    harness = await startHarness();
    client = await connectClient(harness.runtime);
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
  });

  it("declares task support, optional for workflow tools and forbidden for the lifecycle tools", async () => {
    expect(client.getServerCapabilities()?.tasks).toEqual({
      list: {},
      cancel: {},
      requests: { tools: { call: {} } },
    });
    const { tools } = await client.listTools();
    expect(Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]))).toEqual({
      golf_search_tee_times: "optional",
      golf_book_tee_time: "optional",
      golf_book_when_open: "optional",
      golf_watch_tee_times: "optional",
      golf_get_reservations: "optional",
      golf_cancel_reservation: "optional",
      get_weather: "optional",
      send_push_notification: "optional",
      get_request_status: "forbidden",
      list_requests: "forbidden",
      cancel_request: "forbidden",
    });
  });

  it("runs a task-augmented call: created at once, then its result through tasks/result", async () => {
    const stream = client.experimental.tasks.callToolStream(
      { name: "get_weather", arguments: { location: "Sample Links" } },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    );
    const kinds: string[] = [];
    let taskId = "";
    let result: { structuredContent?: { source?: string } } | undefined;
    for await (const message of stream) {
      kinds.push(message.type);
      if (message.type === "taskCreated") taskId = message.task.taskId;
      if (message.type === "result") result = message.result as typeof result;
      if (message.type === "error") throw message.error;
    }
    expect(kinds[0]).toBe("taskCreated");
    expect(kinds.at(-1)).toBe("result");
    expect(result?.structuredContent?.source).toBe("nws");

    const task = await client.experimental.tasks.getTask(taskId);
    expect(task).toMatchObject({ taskId, status: "completed", pollInterval: 1000 });
    const { tasks } = await client.experimental.tasks.listTasks();
    expect(tasks.map((t) => t.taskId)).toContain(taskId);
  });

  it("answers tools/call with a task at once while the upstream is slow, then tasks/result waits for it", async () => {
    harness.runtime.simulators.nws?.fail({ kind: "slow", delayMs: 600 }, 1);
    const { taskId, status } = await createTask("get_weather", { location: "47.1,-122.1" });
    expect(status).toBe("working");
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(result.isError).toBeFalsy();
    expect(result._meta?.["io.modelcontextprotocol/related-task"]).toEqual({ taskId });
  });

  it("cancels a working task, and refuses to cancel a finished one", async () => {
    harness.runtime.simulators.nws?.fail({ kind: "slow", delayMs: 800 }, 1);
    const { taskId } = await createTask("get_weather", { location: "47.2,-122.2" });
    const cancelled = await client.experimental.tasks.cancelTask(taskId);
    expect(cancelled.status).toBe("cancelled");
    await expect(client.experimental.tasks.cancelTask(taskId)).rejects.toThrow(/terminal status: cancelled/);
  });

  it("lists every task exactly once when tasks/list's cursors are followed to the end", async () => {
    const own = await startHarness();
    try {
      const pager = await connectClient(own.runtime);
      const created = new Set<string>();
      for (let i = 0; i < 120; i++) {
        const body = await (
          await post(own.runtime, {
            jsonrpc: "2.0",
            id: i,
            method: "tools/call",
            params: { name: "get_weather", arguments: { location: `47.${i},-122.3`, days: 1 }, task: {} },
          })
        ).json();
        created.add(body.result.task.taskId);
      }
      const listed: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await pager.experimental.tasks.listTasks(cursor);
        listed.push(...page.tasks.map((task) => task.taskId));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(listed).toHaveLength(created.size);
      expect(new Set(listed)).toEqual(created);
      await pager.close();
    } finally {
      await own.close();
    }
  }, 60_000);

  it("hides one key's tasks from another", async () => {
    const stranger = await connectClient(harness.runtime, OTHER_KEY);
    const { tasks } = await stranger.experimental.tasks.listTasks();
    expect(tasks).toEqual([]);
    const mine = await client.experimental.tasks.listTasks();
    const someId = mine.tasks[0]?.taskId ?? "";
    await expect(stranger.experimental.tasks.getTask(someId)).rejects.toThrow(McpError);
    await stranger.close();
  });

  it("refuses a task for the status tool and a cursor it did not issue", async () => {
    const body = await (
      await post(harness.runtime, {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "get_request_status",
          arguments: { requestId: "00000000-0000-4000-8000-000000000000" },
          task: {},
        },
      })
    ).json();
    expect(body.error.code).toBe(-32602);
    await expect(client.experimental.tasks.listTasks("bm90LWEtY3Vyc29y")).rejects.toThrow(
      /cursor is not valid/,
    );
  });
});
