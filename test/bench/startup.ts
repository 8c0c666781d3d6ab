import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summary } from "./stats.ts";

const STARTS = 5;

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

/** How long `npm start` takes to listen: first start, restart, and the program without npm. */
export async function startup() {
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
