import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The data folder on a disk that fills up (a 2 MiB tmpfs): the server never dies silently. It stops with one line
 * that says why, and what it had accepted is recovered at the next start. Needs root to mount; skipped elsewhere.
 */
const MAIN = new URL("../../local/main.ts", import.meta.url).pathname;
const KEY = "disk-full-key-0123456789";

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

describe("a full disk", () => {
  it.runIf(canMount())(
    "never ends the server without a line that says why",
    async () => {
      const mountPoint = await mkdtemp(join(tmpdir(), "rez-full-"));
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint]);
      try {
        const dataDir = join(mountPoint, "data");
        const child = spawn(
          process.execPath,
          [MAIN, "--port", "0", "--data-dir", dataDir, "--sync-budget", "2"],
          {
            env: { PATH: process.env.PATH ?? "", REZ_AGENT_MCP_API_KEY: KEY },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let output = "";
        child.stdout?.on("data", (chunk) => {
          output += chunk;
        });
        child.stderr?.on("data", (chunk) => {
          output += chunk;
        });
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        const mcpUrl = await new Promise<string>((resolve, reject) => {
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
        // Fill the disk beside the store, then keep calling.
        await writeFile(join(mountPoint, "filler"), Buffer.alloc(1_500_000)).catch(() => {});
        const answers: string[] = [];
        let stopped = false;
        void exited.then(() => {
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
        if (!stopped) {
          child.kill("SIGTERM");
          await exited;
        }
        const code = await exited;
        // However it ended: a crash is never silent, and an answer never carries a stack trace.
        if (code !== 0 && code !== null) expect(output).toMatch(/rez-agent-mcp: (stopped|cannot start): /);
        for (const answer of answers) expect(answer).not.toMatch(/\bat .+:\d+:\d+\)?/);
      } finally {
        execFileSync("umount", ["-l", mountPoint]);
        await rm(mountPoint, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe("a store on a read-only disk", () => {
  it.runIf(canMount())(
    "is refused at start with one line naming the cause and the path, exit 1",
    async () => {
      const mountPoint = await mkdtemp(join(tmpdir(), "rez-ro-"));
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint]);
      try {
        const dataDir = join(mountPoint, "data");
        // A first run creates the store; then the disk turns read-only.
        const first = spawn(process.execPath, [MAIN, "--port", "0", "--data-dir", dataDir], {
          env: { PATH: process.env.PATH ?? "", REZ_AGENT_MCP_API_KEY: KEY },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let firstOutput = "";
        await new Promise<void>((resolve) => {
          first.stderr?.on("data", (chunk) => {
            firstOutput += chunk;
            if (firstOutput.includes("Listening on")) resolve();
          });
        });
        first.kill("SIGTERM");
        await new Promise((resolve) => first.once("exit", resolve));
        execFileSync("mount", ["-o", "remount,ro", mountPoint]);

        const second = spawn(process.execPath, [MAIN, "--port", "0", "--data-dir", dataDir], {
          env: { PATH: process.env.PATH ?? "", REZ_AGENT_MCP_API_KEY: KEY },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        second.stdout?.on("data", (chunk) => {
          output += chunk;
        });
        second.stderr?.on("data", (chunk) => {
          output += chunk;
        });
        const code = await new Promise<number | null>((resolve) => second.once("exit", resolve));
        expect(code).toBe(1);
        const lines = output.trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          new RegExp(`^rez-agent-mcp: cannot start: .*${dataDir}.*(read-only|Read-only)`),
        );
      } finally {
        execFileSync("umount", ["-l", mountPoint]);
        await rm(mountPoint, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
