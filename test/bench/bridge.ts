import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { createBridgeServer } from "../../client/bridge-server.ts";
import type { BridgeConfig } from "../../client/config.ts";
import { RemoteEndpoint } from "../../client/remote.ts";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { KEY, summary } from "./stats.ts";
import { benchRuntime } from "./tools.ts";

/**
 * The bridge, in process over an in-memory transport: how soon after the server records a call's completion the
 * bridge answers (the record's lastUpdatedAt is the completion), and how many HTTP requests a 10-second call costs.
 */
export async function bridge() {
  const { runtime, stop } = await benchRuntime({ upstreamTimeoutMs: 15_000 });
  const config: BridgeConfig = {
    endpoint: new URL(runtime.mcpUrl),
    apiKey: KEY,
    answerDeadlineMs: 45_000,
    progressIntervalMs: 5_000,
    source: "bench",
  };
  const remote = new RemoteEndpoint(config, { fetch, log: () => {} });
  const server = createBridgeServer(remote, config, () => {});
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(clientSide);
  try {
    await client.listTools();
    const lags: number[] = [];
    for (let i = 0; i < 60; i++) {
      const result = await client.callTool({
        name: "get_weather",
        arguments: { location: `${(35 + i / 1000).toFixed(4)},-100.0000` },
      });
      const answeredAt = Date.now();
      const id = String((result._meta as Record<string, unknown>)[REQUEST_ID_META_KEY]);
      const status = (await (
        await fetch(`${runtime.mcpUrl}/status/${id}`, { headers: { "x-api-key": KEY } })
      ).json()) as { status: string; lastUpdatedAt: string };
      if (status.status !== "completed") throw new Error(`bridge call ${i} ended ${status.status}`);
      if (i >= 10) lags.push(answeredAt - Date.parse(status.lastUpdatedAt));
    }
    runtime.simulators.nws?.fail({ kind: "slow", delayMs: 10_000 }, 1);
    const before = remote.stats.requests;
    const started = performance.now();
    const slow = await client.callTool({ name: "get_weather", arguments: { location: "36.5,-101.5" } });
    const seconds = (performance.now() - started) / 1000;
    if (slow.isError || (slow.structuredContent as Record<string, unknown>)?.status === "working") {
      throw new Error(`the 10-second call did not complete: ${JSON.stringify(slow)}`);
    }
    return {
      completionToAnswerMs: summary(lags),
      tenSecondCall: { seconds: Math.round(seconds * 10) / 10, httpRequests: remote.stats.requests - before },
    };
  } finally {
    await client.close();
    await stop();
  }
}
