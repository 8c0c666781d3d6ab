/**
 * `npm run bench`: end-to-end latency of a local get_weather call against the simulators, and the time
 * `npm start` takes to be ready. Prints a table and writes test/bench/results.json.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRuntime } from "../../local/runtime.ts";

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

async function endToEnd() {
  const dataDir = await mkdtemp(join(tmpdir(), "rez-agent-mcp-bench-"));
  const runtime = await startRuntime({
    dataDir,
    host: "127.0.0.1",
    port: 0,
    upstreams: "simulated",
    apiKey: KEY,
    log: () => {},
  });
  const call = async (i: number) => {
    // A new position every call, so the upstream cache never answers: every call reaches the simulators.
    const location = `${(40 + i / 1000).toFixed(4)},-105.0000`;
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
        params: { name: "get_weather", arguments: { location } },
      }),
    });
    const body = await response.json();
    const elapsed = performance.now() - started;
    if (!body.result?.structuredContent?.periods)
      throw new Error(`call ${i} failed: ${JSON.stringify(body)}`);
    return elapsed;
  };
  try {
    for (let i = 0; i < 10; i++) await call(10_000 + i); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < CALLS; i++) samples.push(await call(i));
    return summary(samples);
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
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
  getWeatherEndToEndMs: await endToEnd(),
  npmStartReadyMs: await startup(),
};

const rows = [
  ["get_weather end to end (simulated upstreams, uncached)", results.getWeatherEndToEndMs],
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
process.stdout.write(`${table.join("\n")}\n`);
await writeFile(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
