import { readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startRuntime } from "../../local/runtime.ts";
import { StartupError } from "../../local/store-guard.ts";
import { callTool, type Harness, startHarness } from "../local/harness.ts";

/** A store that lost records is reported at start, never half-loaded in silence. */
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close().catch(() => {});
  harness = undefined;
});

/** Twenty finished calls, then a clean stop: the store's write-ahead log holds them. */
async function storeWithTwentyRecords(): Promise<{ harness: Harness; log: string }> {
  const started = await startHarness();
  for (let i = 0; i < 20; i++) {
    await callTool(started.runtime, "get_weather", { location: `47.${i},-122.3`, days: 1 });
  }
  await started.runtime.stop();
  const folder = join(started.dataDir, "dynamodb");
  const logs = (await readdir(folder)).filter((name) => name.endsWith(".log"));
  const sizes = await Promise.all(logs.map(async (name) => (await stat(join(folder, name))).size));
  const largest = logs[sizes.indexOf(Math.max(...sizes))] as string;
  return { harness: started, log: join(folder, largest) };
}

async function startAgain(h: Harness): Promise<unknown> {
  return startRuntime({
    dataDir: h.dataDir,
    host: "127.0.0.1",
    port: 0,
    upstreams: "simulated",
    log: () => {},
  }).then(
    async (runtime) => {
      await runtime.stop();
      return "started";
    },
    (error: unknown) => error,
  );
}

describe("a damaged store", () => {
  it("with half its log gone, is refused at start, naming the loss and the path", async () => {
    const damaged = await storeWithTwentyRecords();
    harness = damaged.harness;
    await truncate(damaged.log, Math.floor((await stat(damaged.log)).size / 2));
    const outcome = await startAgain(harness);
    expect(outcome).toBeInstanceOf(StartupError);
    expect((outcome as Error).message).toMatch(
      /store in .*dynamodb is damaged: it holds \d+ request records, but held 20 when last checked/,
    );
  });

  it("with bytes flipped in its log, is refused at start", async () => {
    const damaged = await storeWithTwentyRecords();
    harness = damaged.harness;
    const bytes = await readFile(damaged.log);
    for (let i = 200; i < bytes.length; i += 97) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
    await writeFile(damaged.log, bytes);
    const outcome = await startAgain(harness);
    expect(outcome).toBeInstanceOf(StartupError);
    expect((outcome as Error).message).toMatch(/is damaged/);
  });

  it("that is whole, starts as before", async () => {
    const whole = await storeWithTwentyRecords();
    harness = whole.harness;
    expect(await startAgain(harness)).toBe("started");
  });
});
