/**
 * `npm run bench`: end-to-end latency of local get_weather, tee time search and booking calls against the
 * simulators, and the time `npm start` takes to be ready. Prints a table and writes test/bench/results.json.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { App, type CfnElement } from "aws-cdk-lib";
import { createBridgeServer, identify } from "../../client/bridge-server.ts";
import type { BridgeConfig } from "../../client/config.ts";
import { RemoteEndpoint } from "../../client/remote.ts";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { type Runtime, type RuntimeOptions, startRuntime } from "../../local/runtime.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import { parseStageConfig } from "../../stacks/config.ts";
import { RezAgentMcpStack } from "../../stacks/rez-agent-mcp-stack.ts";

const CALLS = 100;
const STARTS = 5;
const KEY = "bench-key";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    n: sorted.length,
    median: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

type Args = Record<string, unknown>;

/** Median and spread of `CALLS` sequential calls of one tool, after 10 warm-up calls. */
async function measure(
  runtime: Runtime,
  tool: string,
  args: (i: number) => Args,
  ok: (result: Args) => boolean,
) {
  const call = async (i: number) => {
    const started = performance.now();
    const response = await fetch(runtime.mcpUrl, {
      method: "POST",
      headers: {
        "x-api-key": KEY,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: i,
        method: "tools/call",
        params: { name: tool, arguments: args(i) },
      }),
    });
    const body = await response.json();
    const elapsed = performance.now() - started;
    if (!body.result || body.result.isError || !ok(body.result)) {
      throw new Error(`${tool} call ${i} failed: ${JSON.stringify(body)}`);
    }
    return elapsed;
  };
  for (let i = 0; i < 10; i++) await call(CALLS + i);
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) samples.push(await call(i));
  return summary(samples);
}

/** A runtime with simulated upstreams on a fresh data folder, and how to stop it and remove the folder. */
async function benchRuntime(options: Partial<RuntimeOptions> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), "rez-agent-mcp-bench-"));
  const runtime = await startRuntime({
    dataDir,
    host: "127.0.0.1",
    port: 0,
    upstreams: "simulated",
    apiKey: KEY,
    log: () => {},
    ...options,
  });
  const stop = async () => {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { runtime, stop };
}

async function endToEnd() {
  const { runtime, stop } = await benchRuntime({ simulatedGolf: { maxReservations: 1_000 } });
  const site = runtime.simulators.golf["sample-links"] as GolfSimulator;
  const day = (i: number) => addDays(localParts("America/Los_Angeles", new Date()).date, 1 + (i % 13));
  try {
    return {
      // A new position every call, so the upstream cache never answers: every call reaches the simulators.
      getWeather: await measure(
        runtime,
        "get_weather",
        (i) => ({ location: `${(40 + i / 1000).toFixed(4)},-105.0000` }),
        (r) => Array.isArray((r.structuredContent as Args)?.periods),
      ),
      golfSearch: await measure(
        runtime,
        "golf_search_tee_times",
        (i) => ({ date: day(i), players: 2, startTime: "07:00", endTime: "12:00" }),
        (r) => Array.isArray((r.structuredContent as Args)?.teeTimes),
      ),
      // Each call books another tee time: sign-in is cached, the six site requests of a booking are not.
      golfBook: await measure(
        runtime,
        "golf_book_tee_time",
        (i) => ({
          teeSheetId: site.teeSheetId(day(i), `${String(7 + (Math.floor(i / 13) % 10)).padStart(2, "0")}:00`),
          players: 1,
        }),
        (r) => typeof (r.structuredContent as Args)?.confirmationKey === "string",
      ),
    };
  } finally {
    await stop();
  }
}

/**
 * The bridge, in process over an in-memory transport: how soon after the server records a call's completion the
 * bridge answers (the record's lastUpdatedAt is the completion), and how many HTTP requests a 10-second call costs.
 */
async function bridge() {
  const { runtime, stop } = await benchRuntime({ upstreamTimeoutMs: 15_000 });
  const config: BridgeConfig = {
    endpoint: new URL(runtime.mcpUrl),
    apiKey: KEY,
    answerDeadlineMs: 45_000,
    progressIntervalMs: 5_000,
    source: "bench",
  };
  const remote = new RemoteEndpoint(config, { fetch, log: () => {} });
  const server = createBridgeServer(remote, config, await identify(remote, () => {}), () => {});
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

/**
 * The deployed bundles: synthesised offline into a fresh folder (esbuild, minified), each function's index.mjs
 * size, and the front's module load plus first-invocation init in fresh Node 22 processes.
 */
async function bundles() {
  // Inside the project, so the bundles find the AWS SDK in node_modules as they find the runtime's on Lambda.
  const outdir = new URL("../../.tmp/bench-cdk", import.meta.url).pathname;
  await rm(outdir, { recursive: true, force: true });
  try {
    const app = new App({ outdir });
    const config = parseStageConfig(
      "bench",
      { coursesFile: "local/sample-courses.json" },
      (path) => new URL(`../../${path}`, import.meta.url).pathname,
    );
    const stack = new RezAgentMcpStack(app, "rez-agent-mcp-bench", { config, env: { region: "us-east-1" } });
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
    };
    const sizes: Record<string, number> = {};
    let frontBundle = "";
    for (const [name, created] of Object.entries(stack.functions)) {
      const logicalId = stack.getLogicalId(created.function.node.defaultChild as CfnElement);
      const key = template.Resources[logicalId]?.Properties.Code?.S3Key ?? "";
      const file = join(outdir, `asset.${key.replace(/\.zip$/, "")}`, "index.mjs");
      sizes[name] = (await stat(file)).size;
      if (name === "Front") frontBundle = file;
    }
    const inits: number[] = [];
    for (let i = 0; i < 20; i++) inits.push(await frontInit(frontBundle));
    return { bundleBytes: sizes, frontLoadAndInitMs: summary(inits) };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/** One fresh process: import the front bundle and answer one request that needs no AWS call (GET /mcp → 405). */
function frontInit(bundle: string): Promise<number> {
  const script = `
    const started = performance.now();
    const { handler } = await import(${JSON.stringify(bundle)});
    const answer = await handler({ httpMethod: "GET", path: "/mcp", headers: { Host: "x" }, multiValueHeaders: null,
      queryStringParameters: null, multiValueQueryStringParameters: null, body: null, isBase64Encoded: false,
      requestContext: { path: "/mcp", domainName: "x", identity: { apiKeyId: "k" } } });
    if (answer.statusCode !== 405) throw new Error("unexpected answer " + answer.statusCode);
    process.stdout.write(String(performance.now() - started));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        PATH: process.env.PATH ?? "",
        AWS_REGION: "us-east-1",
        REQUEST_TABLE_NAME: "requests",
        STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:bench",
        EVENT_BUS_NAME: "bus",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.on("exit", (code) =>
      code === 0 ? resolve(Number(out)) : reject(new Error(`front init failed: ${err}`)),
    );
  });
}

/** Time from spawning to the "Listening on" line: through `npm start`, or the program alone. */
function timeStart(dataDir: string, viaNpm: boolean): Promise<number> {
  const main = new URL("../../local/main.ts", import.meta.url).pathname;
  const flags = ["--port", "0", "--upstreams", "simulated", "--data-dir", dataDir];
  const started = performance.now();
  const child = viaNpm
    ? spawn("npm", ["start", "--silent", "--", ...flags], {
        cwd: new URL("../..", import.meta.url).pathname,
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
      })
    : spawn(process.execPath, [main, ...flags], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stderr.on("data", (chunk) => {
      output += chunk;
      if (output.includes("Listening on")) {
        const elapsed = performance.now() - started;
        child.once("exit", () => resolve(elapsed));
        // npm runs the program in a child of its own: signal the whole group.
        if (viaNpm && child.pid) process.kill(-child.pid, "SIGTERM");
        else child.kill("SIGTERM");
      }
    });
    child.once("exit", (code) => {
      if (!output.includes("Listening on")) reject(new Error(`npm start exited with ${code}: ${output}`));
    });
  });
}

async function startup() {
  const first: number[] = [];
  const restart: number[] = [];
  const program: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const dataDir = await mkdtemp(join(tmpdir(), "rez-agent-mcp-bench-start-"));
    first.push(await timeStart(dataDir, true));
    restart.push(await timeStart(dataDir, true));
    program.push(await timeStart(dataDir, false));
    await rm(dataDir, { recursive: true, force: true });
  }
  return { firstStart: summary(first), restart: summary(restart), programAlone: summary(program) };
}

const results = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  machine: `${(await import("node:os")).cpus().length} cores`,
  endToEndMs: await endToEnd(),
  bridge: await bridge(),
  deployed: await bundles(),
  npmStartReadyMs: await startup(),
};

const rows = [
  ["get_weather end to end (simulated upstreams, uncached)", results.endToEndMs.getWeather],
  ["golf_search_tee_times end to end (simulated site)", results.endToEndMs.golfSearch],
  ["golf_book_tee_time end to end (simulated site, 6 site requests)", results.endToEndMs.golfBook],
  ["bridge: server completion to the bridge's answer", results.bridge.completionToAnswerMs],
  ["front bundle: module load + init + one request, fresh process", results.deployed.frontLoadAndInitMs],
  ["npm start ready, first start (new data folder)", results.npmStartReadyMs.firstStart],
  ["npm start ready, restart (existing data folder)", results.npmStartReadyMs.restart],
  ["local/main.ts ready without npm (existing data folder)", results.npmStartReadyMs.programAlone],
] as const;
const table = [
  `rez-agent-mcp benchmarks (${results.node}, ${results.machine})`,
  "",
  "| measure | n | median ms | p95 ms | min ms | max ms |",
  "|---|---|---|---|---|---|",
  ...rows.map(([name, s]) => `| ${name} | ${s.n} | ${s.median} | ${s.p95} | ${s.min} | ${s.max} |`),
];
table.push(
  "",
  `A ${results.bridge.tenSecondCall.seconds} s call through the bridge took ${results.bridge.tenSecondCall.httpRequests} HTTP requests.`,
);
table.push(
  "",
  "Minified bundles (index.mjs): " +
    Object.entries(results.deployed.bundleBytes)
      .map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)} KiB`)
      .join(", "),
);
process.stdout.write(`${table.join("\n")}\n`);
await writeFile(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
