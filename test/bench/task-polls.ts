import { rm } from "node:fs/promises";
import { startChild } from "./child.ts";
import { KEY, summary } from "./stats.ts";

const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
};

/**
 * What following a call through the Tasks extension costs a 2026-07-28 client (tasks/get waits up to 1 s for the
 * call to end): for a call of 50 ms and one of 5 s (the load server's push takes as long as its title says), the
 * requests a client makes from tools/call to the result, and how long after the call ended the result reached it.
 */
export async function taskPolls() {
  const dataDir = ".tmp/bench-task-polls";
  await rm(dataDir, { recursive: true, force: true });
  const server = await startChild(new URL("./load-server.ts", import.meta.url), [dataDir]);
  const mcpUrl = server.ready[0] as string;
  const post = async (method: string, params: Record<string, unknown>, name: string) => {
    const response = await fetch(mcpUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "x-api-key": KEY,
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": method,
        "mcp-name": name,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: META } }),
    });
    return ((await response.json()) as { result: Record<string, unknown> }).result;
  };
  const follow = async (callMs: number) => {
    const started = performance.now();
    const task = await post(
      "tools/call",
      { name: "send_push_notification", arguments: { title: String(callMs), message: "m" } },
      "send_push_notification",
    );
    let requests = 1;
    let polled = task;
    while (polled.status === "working") {
      polled = await post("tasks/get", { taskId: task.taskId }, String(task.taskId));
      requests += 1;
    }
    return { requests, lateMs: performance.now() - started - callMs, status: polled.status };
  };
  try {
    const result: Record<string, { requests: number; resultAfterCallEndedMs: ReturnType<typeof summary> }> =
      {};
    for (const callMs of [50, 5_000]) {
      const runs = [];
      for (let i = 0; i < (callMs < 1_000 ? 20 : 4); i++) runs.push(await follow(callMs));
      if (runs.some((run) => run.status !== "completed"))
        throw new Error(`a ${callMs} ms task did not complete`);
      result[`${callMs}ms`] = {
        requests: Math.max(...runs.map((run) => run.requests)),
        resultAfterCallEndedMs: summary(runs.map((run) => run.lateMs)),
      };
    }
    return result;
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
