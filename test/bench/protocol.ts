import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { startChild } from "./child.ts";
import { KEY } from "./stats.ts";

const run = promisify(execFile);

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
});
const TOOLS_LIST = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
const MODERN_TOOLS_LIST = JSON.stringify({
  jsonrpc: "2.0",
  id: 2,
  method: "tools/list",
  params: {
    _meta: {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": {},
    },
  },
});
const MODERN_HEADERS = { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" };

export interface Throughput {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

type Hammer = (
  url: string,
  body: string,
  headers: Record<string, string>,
  seconds?: number,
) => Promise<Throughput>;

const WORK = ".tmp/bench-loadgen";
const CONNECTIONS = 10;

/**
 * The compiled load generator (loadgen.c, built with the system's cc): it never limits a Node server, so the ratio
 * is the servers'. Undefined when there is no C compiler; the bench then says it used autocannon.
 */
async function compiledHammer(): Promise<Hammer | undefined> {
  await mkdir(WORK, { recursive: true });
  const binary = join(WORK, "loadgen");
  try {
    await run("cc", ["-O2", "-o", binary, new URL("./loadgen.c", import.meta.url).pathname]);
  } catch {
    return undefined;
  }
  let bodies = 0;
  return async (url, body, headers, seconds = 4) => {
    const { hostname, port, pathname } = new URL(url);
    const file = join(WORK, `body-${bodies++}.json`);
    await writeFile(file, body);
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    const { stdout } = await run(binary, [
      hostname,
      port,
      pathname,
      file,
      String(CONNECTIONS),
      String(seconds),
      ...lines,
    ]);
    const out = JSON.parse(stdout) as {
      rps: number;
      p50Ms: number;
      p99Ms: number;
      non2xx: number;
      errors: number;
    };
    return {
      requestsPerSecond: out.rps,
      p50Ms: out.p50Ms,
      p99Ms: out.p99Ms,
      non2xx: out.non2xx + out.errors,
    };
  };
}

/** autocannon, for a machine without a C compiler. */
const autocannonHammer: Hammer = async (url, body, headers, seconds = 4) => {
  const result = await autocannon({
    url,
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body,
    connections: CONNECTIONS,
    duration: seconds,
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
};

/**
 * `initialize` and `tools/list` (both eras) on our server, auth and validation on, and on the SDK's stateless
 * example pattern (which speaks only the initialize era: each of our eras is measured against its tools/list), each
 * server in a process of its own, one after the other in the same run, by the same generator.
 */
export async function protocolFront() {
  const compiled = await compiledHammer();
  const hammer = compiled ?? autocannonHammer;
  const ours = await startChild(new URL("./load-server.ts", import.meta.url), [".tmp/bench-protocol"]);
  const reference = await startChild(new URL("./reference-main.ts", import.meta.url));
  try {
    const [oursUrl] = ours.ready as [string];
    const [referenceUrl] = reference.ready as [string];
    const key = { "x-api-key": KEY };
    // Warm both (JIT) before measuring.
    await hammer(oursUrl, TOOLS_LIST, key, 1);
    await hammer(oursUrl, MODERN_TOOLS_LIST, { ...key, ...MODERN_HEADERS }, 1);
    await hammer(referenceUrl, TOOLS_LIST, {}, 1);
    const referenceToolsList = await hammer(referenceUrl, TOOLS_LIST, {});
    const results = {
      generator: compiled ? "loadgen.c (compiled, epoll)" : "autocannon (no C compiler here)",
      initialize: {
        ours: await hammer(oursUrl, INITIALIZE, key),
        reference: await hammer(referenceUrl, INITIALIZE, {}),
      },
      toolsList: { ours: await hammer(oursUrl, TOOLS_LIST, key), reference: referenceToolsList },
      modernToolsList: {
        ours: await hammer(oursUrl, MODERN_TOOLS_LIST, { ...key, ...MODERN_HEADERS }),
        reference: referenceToolsList,
      },
    };
    const ratio = (pair: { ours: Throughput; reference: Throughput }) =>
      Math.round((pair.ours.requestsPerSecond / pair.reference.requestsPerSecond) * 100) / 100;
    return {
      ...results,
      ratio: {
        initialize: ratio(results.initialize),
        toolsList: ratio(results.toolsList),
        modernToolsList: ratio(results.modernToolsList),
      },
    };
  } finally {
    await ours.stop();
    await reference.stop();
  }
}
