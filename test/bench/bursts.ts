import { rm } from "node:fs/promises";
import { startChild } from "./child.ts";
import { KEY, MCP_HEADERS, summary } from "./stats.ts";

const BURST = 1_000;
/** The longest wait a status request may ask for (DEFAULT_FRONT_CONFIG.maxWaitSeconds): the polls' worst case. */
const WAIT_SECONDS = 20;

const rpc = (method: string, params?: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", id: 1, method, ...(params === undefined ? {} : { params }) });

/**
 * Bursts against the server in its own process (the load server: a zero-latency get_weather, and a push that stays
 * working): 1,000 concurrent calls; then 1,000 concurrent long polls of a working call, each asking the longest
 * wait, while `ping` is timed beside them. Counts what was answered and refused, and the longest poll (API Gateway
 * cuts a request at 29 s).
 */
export async function bursts() {
  const dataDir = ".tmp/bench-bursts";
  await rm(dataDir, { recursive: true, force: true });
  const server = await startChild(new URL("./load-server.ts", import.meta.url), [dataDir]);
  const mcpUrl = server.ready[0] as string;
  const post = (body: string) => fetch(mcpUrl, { method: "POST", headers: MCP_HEADERS, body });
  const timed = async (send: () => Promise<Response>, ok: (status: number, text: string) => boolean) => {
    const started = performance.now();
    try {
      const response = await send();
      const text = await response.text();
      return { ms: performance.now() - started, answered: ok(response.status, text) };
    } catch {
      return { ms: performance.now() - started, answered: false };
    }
  };
  try {
    const calls = await Promise.all(
      Array.from({ length: BURST }, () =>
        timed(
          () => post(rpc("tools/call", { name: "get_weather", arguments: { location: "x" } })),
          (status, text) => status === 200 && text.includes('"text":"ok"'),
        ),
      ),
    );
    // As a task, so the call answers at once (not after the sync budget) and stays working for its whole step.
    const started = await post(
      rpc("tools/call", {
        name: "send_push_notification",
        arguments: { title: "t", message: "m" },
        task: {},
      }),
    );
    const id = ((await started.json()) as { result: { task: { taskId: string } } }).result.task.taskId;
    const polling = Promise.all(
      Array.from({ length: BURST }, () =>
        timed(
          () => fetch(`${mcpUrl}/status/${id}?wait=${WAIT_SECONDS}`, { headers: { "x-api-key": KEY } }),
          (status, text) => status === 200 && text.includes(`"id":"${id}"`),
        ),
      ),
    );
    // Pings while the polls wait (after a moment for them all to arrive).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const pings: number[] = [];
    for (let i = 0; i < 50; i++) {
      const ping = await timed(
        () => post(rpc("ping")),
        (status) => status === 200,
      );
      pings.push(ping.ms);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const polls = await polling;
    return {
      calls: {
        sent: BURST,
        answered: calls.filter((c) => c.answered).length,
        refused: calls.filter((c) => !c.answered).length,
        ms: summary(calls.map((c) => c.ms)),
      },
      longPolls: {
        sent: BURST,
        waitSeconds: WAIT_SECONDS,
        answered: polls.filter((p) => p.answered).length,
        refused: polls.filter((p) => !p.answered).length,
        ms: summary(polls.map((p) => p.ms)),
      },
      pingUnderPollsMs: summary(pings),
      peakRssMiB: await server.peakRssMiB(),
    };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
