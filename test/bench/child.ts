import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";

export interface Child {
  process: ChildProcess;
  /** The words after READY on the child's first stdout line. */
  ready: string[];
  /** The child's peak resident set size so far, in MiB (Linux /proc). */
  peakRssMiB(): Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts a TypeScript module with this Node and waits for its `READY ...` line. */
export function startChild(module: URL, args: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [module.pathname, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("READY "));
      if (line) {
        resolve({
          process: child,
          ready: line.split(" ").slice(1),
          async peakRssMiB() {
            try {
              const status = await readFile(`/proc/${child.pid}/status`, "utf8");
              const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
              return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
            } catch {
              return null;
            }
          },
          stop: () =>
            new Promise((done) => {
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
    child.once("exit", (code) => reject(new Error(`${module.pathname} exited with ${code}`)));
  });
}
