import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What test/faults/crash-sweep.test.ts counts over its runs. */
interface SweepCounts {
  killPoints: number;
  requests: number;
  doubleBookings: number;
  duplicatePushes: number;
  lostEvents: number;
  leftWorking: number;
}

const VITEST = new URL("../../node_modules/vitest/vitest.mjs", import.meta.url).pathname;
const SWEEP = new URL("../faults/crash-sweep.test.ts", import.meta.url).pathname;

/**
 * The crash sweep of `npm test` (test/faults/crash-sweep.test.ts), longer: `rounds` times every kill point, each a
 * real SIGKILL of `npm start` with bookings and pushes in flight, then every call re-sent. Returns its counts.
 */
export async function crashSweep(rounds = 5) {
  const folder = await mkdtemp(join(tmpdir(), "rez-bench-sweep-"));
  const report = join(folder, "report.json");
  try {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [VITEST, "run", SWEEP], {
        env: { ...process.env, REZ_CRASH_SWEEP_ROUNDS: String(rounds), REZ_CRASH_SWEEP_REPORT: report },
        stdio: ["ignore", "ignore", "inherit"],
      });
      child.on("exit", resolve);
    });
    const counts = JSON.parse(await readFile(report, "utf8")) as SweepCounts;
    return { rounds, passed: code === 0, ...counts };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
