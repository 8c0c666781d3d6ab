import { readFile, rm } from "node:fs/promises";
import autocannon from "autocannon";
import { startChild } from "./child.ts";
import { MCP_HEADERS, summary } from "./stats.ts";

const CALL = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "get_weather", arguments: { location: "zero-latency" } },
});

interface Listed {
  taskId: string;
  status: string;
  lastUpdatedAt: string;
}

/** Every record of the key, through tasks/list. */
async function records(mcpUrl: string): Promise<Listed[]> {
  const all: Listed[] = [];
  let cursor: string | undefined;
  do {
    const response = await fetch(mcpUrl, {
      method: "POST",
      headers: MCP_HEADERS,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tasks/list",
        ...(cursor ? { params: { cursor } } : {}),
      }),
    });
    const { result } = (await response.json()) as {
      result: { tasks: Listed[]; nextCursor?: string };
    };
    all.push(...result.tasks);
    cursor = result.nextCursor;
  } while (cursor);
  return all;
}

/**
 * A zero-latency tool through the whole path (front → record → state machine → record → event), first one call
 * at a time, then at 1, 10, 100 and 500 concurrent calls; then the books are checked: records = calls = events,
 * nothing left working. The runtime runs in its own process, so its peak RSS is its own.
 */
export async function orchestration() {
  const dataDir = ".tmp/bench-load";
  await rm(dataDir, { recursive: true, force: true });
  const server = await startChild(new URL("./load-server.ts", import.meta.url), [dataDir]);
  const [mcpUrl, eventsFile] = server.ready as [string, string];
  let calls = 0;
  const one = async () => {
    calls += 1;
    const started = performance.now();
    const response = await fetch(mcpUrl, { method: "POST", headers: MCP_HEADERS, body: CALL });
    const { result } = (await response.json()) as { result?: { content: { text: string }[] } };
    if (result?.content[0]?.text !== "ok")
      throw new Error(`a zero-latency call did not complete: ${JSON.stringify(result)}`);
    return performance.now() - started;
  };
  try {
    for (let i = 0; i < 20; i++) await one();
    const sequential: number[] = [];
    for (let i = 0; i < 300; i++) sequential.push(await one());

    const concurrency: Record<string, unknown> = {};
    for (const connections of [1, 10, 100, 500]) {
      const amount = Math.max(200, connections);
      const result = await autocannon({
        url: mcpUrl,
        method: "POST",
        headers: MCP_HEADERS,
        body: CALL,
        connections,
        amount,
        timeout: 30,
      });
      calls += amount;
      concurrency[connections] = {
        calls: amount,
        callsPerSecond: Math.round(amount / result.duration),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        failed: result.non2xx + result.errors + result.timeouts,
      };
    }
    const stored = await records(mcpUrl);
    const events = (await readFile(eventsFile, "utf8"))
      .split("\n")
      .filter((line) => line.includes("Tool Call Completed"))
      .map((line) => JSON.parse(line) as { time: string; detail: { requestId: string } });
    // How long after a call settled its event was on disk (the outbox's publish, under this load).
    const settled = new Map(stored.map((record) => [record.taskId, Date.parse(record.lastUpdatedAt)]));
    const lags = events.flatMap((event) => {
      const at = settled.get(event.detail.requestId);
      return at === undefined ? [] : [Date.parse(event.time) - at];
    });
    return {
      oneAtATimeMs: summary(sequential),
      concurrency,
      books: {
        calls,
        records: stored.length,
        completed: stored.filter((r) => r.status === "completed").length,
        working: stored.filter((r) => r.status === "working").length,
        completedEvents: events.length,
        distinctEvents: new Set(events.map((event) => event.detail.requestId)).size,
      },
      eventLagMs: summary(lags),
      peakRssMiB: await server.peakRssMiB(),
    };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
