import autocannon from "autocannon";
import { startChild } from "./child.ts";
import { MCP_HEADERS } from "./stats.ts";

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
});
const TOOLS_LIST = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });

export interface Throughput {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

/** autocannon against one URL and body, for `seconds`, over 10 connections. */
export async function hammer(url: string, body: string, seconds = 4, connections = 10): Promise<Throughput> {
  const result = await autocannon({
    url,
    method: "POST",
    headers: MCP_HEADERS,
    body,
    connections,
    duration: seconds,
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * `initialize` and `tools/list` on our server (auth and validation on) and on the SDK's stateless example pattern,
 * each in a process of its own, measured one after the other in the same run.
 */
export async function protocolFront() {
  const ours = await startChild(new URL("./load-server.ts", import.meta.url), [".tmp/bench-protocol"]);
  const reference = await startChild(new URL("./reference-main.ts", import.meta.url));
  try {
    const [oursUrl] = ours.ready as [string];
    const [referenceUrl] = reference.ready as [string];
    // Warm both (JIT) before measuring.
    await hammer(oursUrl, TOOLS_LIST, 1);
    await hammer(referenceUrl, TOOLS_LIST, 1);
    const results = {
      initialize: {
        ours: await hammer(oursUrl, INITIALIZE),
        reference: await hammer(referenceUrl, INITIALIZE),
      },
      toolsList: {
        ours: await hammer(oursUrl, TOOLS_LIST),
        reference: await hammer(referenceUrl, TOOLS_LIST),
      },
    };
    const ratio = (pair: { ours: Throughput; reference: Throughput }) =>
      Math.round((pair.ours.requestsPerSecond / pair.reference.requestsPerSecond) * 100) / 100;
    return {
      ...results,
      ratio: { initialize: ratio(results.initialize), toolsList: ratio(results.toolsList) },
    };
  } finally {
    await ours.stop();
    await reference.stop();
  }
}
