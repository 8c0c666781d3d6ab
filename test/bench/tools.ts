import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { type Runtime, type RuntimeOptions, startRuntime } from "../../local/runtime.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import { KEY, summary } from "./stats.ts";

const CALLS = 100;

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
export async function benchRuntime(options: Partial<RuntimeOptions> = {}) {
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

/** get_weather, a tee time search and a booking end to end against the simulators, 100 of each. */
export async function endToEnd() {
  // A call's own latency: 100 calls back to back would otherwise measure the site's pace (5 requests a second, so
  // about 1.4 s a booking after the first burst), not the call.
  const { runtime, stop } = await benchRuntime({
    simulatedGolf: { maxReservations: 1_000 },
    golfPace: { perSecond: 1_000, burst: 100 },
  });
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
