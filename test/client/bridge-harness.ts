/** The stdio bridge as Claude Desktop runs it, against a whole local server: what the bridge tests share. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Simulator } from "../../local/simulators/sim-server.ts";
import { type Harness, KEY, post, startHarness } from "../local/harness.ts";
import { startProxy, type TestProxy } from "./proxy.ts";

export const BRIDGE = new URL("../../client/bridge.ts", import.meta.url).pathname;

/** Live bindings, set by useBridgeHarness() before the tests run. */
export let harness: Harness;
export let proxy: TestProxy;
export let dir: string;
export let nws: Simulator;

/** The server (behind a proxy the tests can take down) and a folder for the bridges' config files. */
export function useBridgeHarness(): void {
  beforeAll(async () => {
    harness = await startHarness();
    proxy = await startProxy(harness.runtime.url);
    dir = await mkdtemp(join(tmpdir(), "rez-bridge-"));
    nws = harness.runtime.simulators.nws as Simulator;
  });
  afterAll(async () => {
    await proxy.close();
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => nws.heal());
}

export interface Bridge {
  client: Client;
  stderr: () => string;
  close: () => Promise<void>;
}

/** Writes a config file (mode 600) and starts the bridge on it. */
export async function startBridge(
  settings: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<Bridge> {
  const config = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(
    config,
    JSON.stringify({ endpoint: `${proxy.url}/mcp`, apiKey: KEY, progressIntervalSeconds: 0.2, ...settings }),
    { mode: 0o600 },
  );
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BRIDGE],
    env: { PATH: process.env.PATH ?? "", HOME: dir, REZ_AGENT_MCP_CONFIG: config, ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const client = new Client({ name: "bridge-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

export type Result = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
};

/** The ids of the calls the server accepted since a moment (newest first). */
export async function callsSince(since: number): Promise<string[]> {
  const response = await post(harness.runtime, { jsonrpc: "2.0", id: 1, method: "tasks/list" });
  const { tasks } = (await response.json()).result as { tasks: { taskId: string; createdAt: string }[] };
  return tasks.filter((t) => Date.parse(t.createdAt) >= since).map((t) => t.taskId);
}
