import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The data folder on a small disk (a tmpfs): one that fills up, one that turns read-only. The server never dies
 * silently: it stops, or refuses to start, with one line that says why. Needs root to mount; skipped elsewhere.
 */
const MAIN = new URL("../../local/main.ts", import.meta.url).pathname;
const KEY = "disk-full-key-0123456789";
const STACK_TRACE = /\bat .+:\d+:\d+\)?/;

/** Whether this process may mount a tmpfs (root on Linux, with the capability): tried once, undone at once. */
function canMount(): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), "rez-mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Runs `test` with a fresh tmpfs of `size` mounted, and unmounts it whatever happens. */
async function onTmpfs(size: string, test: (mountPoint: string) => Promise<void>): Promise<void> {
  const mountPoint = await mkdtemp(join(tmpdir(), "rez-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", mountPoint]);
  try {
    await test(mountPoint);
  } finally {
    execFileSync("umount", ["-l", mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
}

interface Launched {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
  exited: Promise<number | null>;
  /** Its MCP URL once it listens; rejects if it exits first. */
  listening: Promise<string>;
}

/** `npm start`'s program on a data folder, as a child process. */
function launch(dataDir: string, ...args: string[]): Launched {
  const child = spawn(process.execPath, [MAIN, "--port", "0", "--data-dir", dataDir, ...args], {
    env: { PATH: process.env.PATH ?? "", REZ_AGENT_MCP_API_KEY: KEY },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /Listening on (\S+\/mcp)/.exec(output);
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 20);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`exited: ${output}`));
    });
  });
  listening.catch(() => {});
  return { child, output: () => output, exited, listening };
}

describe("a full disk", () => {
  it.runIf(canMount())(
    "stops the server with one line naming the cause and the path, never silently",
    async () => {
      await onTmpfs("2m", async (mountPoint) => {
        const server = launch(join(mountPoint, "data"), "--sync-budget", "2");
        const mcpUrl = await server.listening;
        // Fill the disk beside the store, then keep calling.
        await writeFile(join(mountPoint, "filler"), Buffer.alloc(1_500_000)).catch(() => {});
        const answers: string[] = [];
        let stopped = false;
        void server.exited.then(() => {
          stopped = true;
        });
        const big = "x".repeat(3_000);
        for (let i = 0; i < 200 && !stopped; i++) {
          const text = await fetch(mcpUrl, {
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
              params: { name: "send_push_notification", arguments: { title: `t${i}`, message: big } },
            }),
          })
            .then((response) => response.text())
            .catch(() => "no answer");
          answers.push(text);
        }
        if (!stopped) server.child.kill("SIGTERM");
        const code = await server.exited;
        // The store's write fails from a callback: the server stops with one line naming the cause and the path
        // (the calls it had accepted are recovered at the next start), and no answer carries a stack trace.
        expect(stopped).toBe(true);
        expect(code).toBe(1);
        expect(server.output()).toMatch(/rez-agent-mcp: stopped: .*dynamodb.*No space left on device/);
        expect(server.output()).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
        for (const answer of answers) expect(answer).not.toMatch(STACK_TRACE);
      });
    },
    60_000,
  );
});

describe("a store on a read-only disk", () => {
  it.runIf(canMount())(
    "is refused at start with one line naming the cause and the path, exit 1",
    async () => {
      await onTmpfs("8m", async (mountPoint) => {
        const dataDir = join(mountPoint, "data");
        // A first run creates the store; then the disk turns read-only.
        const first = launch(dataDir);
        await first.listening;
        first.child.kill("SIGTERM");
        await first.exited;
        execFileSync("mount", ["-o", "remount,ro", mountPoint]);

        const second = launch(dataDir);
        expect(await second.exited).toBe(1);
        const lines = second.output().trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          new RegExp(`^rez-agent-mcp: cannot start: .*${dataDir}.*(read-only|Read-only)`),
        );
      });
    },
    60_000,
  );
});
