import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The data folder on a small disk (a tmpfs): one that fills up (survived: new calls refused until there is room,
 * then resumed), one that turns read-only (refused at start with one line). Needs root to mount; skipped elsewhere.
 */
const MAIN = new URL("../../local/main.ts", import.meta.url).pathname;
const KEY = "disk-full-key-0123456789";
/** A stack trace line, as Node prints them (on a line of its own: "at 2026-12-02T14:00:00Z" is a time). */
const STACK_TRACE = /(^|\n|\\n)\s+at .+:\d+:\d+\)?/;

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

const post = (mcpUrl: string, body: unknown) =>
  fetch(mcpUrl, {
    method: "POST",
    headers: {
      "x-api-key": KEY,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify(body),
  }).then((response) => response.text());

const push = (mcpUrl: string, i: number, message: string) =>
  post(mcpUrl, {
    jsonrpc: "2.0",
    id: i,
    method: "tools/call",
    params: { name: "send_push_notification", arguments: { title: `t${i}`, message } },
  });

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a full disk", () => {
  it.runIf(canMount())(
    "is survived: reads answer, new calls are refused retryably, and it resumes by itself with nothing lost",
    async () => {
      await onTmpfs("2m", async (mountPoint) => {
        const dataDir = join(mountPoint, "data");
        const server = launch(dataDir, "--sync-budget", "2", "--upstreams", "simulated");
        const mcpUrl = await server.listening;
        const first = JSON.parse(await push(mcpUrl, 0, "before")) as {
          result: { _meta: Record<string, string> };
        };
        const firstId = first.result._meta["rez-agent-mcp/requestId"] as string;
        // Fill the disk beside the store, then keep calling until the store cannot write.
        await writeFile(join(mountPoint, "filler"), Buffer.alloc(1_500_000)).catch(() => {});
        const big = "x".repeat(3_000);
        const answers: string[] = [];
        // A dozen calls at a time, so some are in flight when the disk fills: each is answered.
        for (let i = 1; i < 400 && !answers.some((a) => a.includes("disk is full")); i += 12) {
          const batch = Array.from({ length: 12 }, (_, n) =>
            push(mcpUrl, i + n, big).catch(() => "no answer"),
          );
          answers.push(...(await Promise.all(batch)));
        }
        for (const answer of answers) expect(answer).toMatch(/^\{"(result|jsonrpc)"/);
        // Refused clearly and retryably (a JSON-RPC error, not a crash), while the process goes on.
        const refused = answers.find((a) => a.includes("disk is full")) as string;
        const refusal = JSON.parse(refused) as { error: { code: number; message: string } };
        expect(refusal.error).toEqual({
          code: -32603,
          message:
            "The server's disk is full, so it cannot record a new call; nothing was done. Try again in a few minutes.",
        });
        expect(server.child.exitCode).toBeNull();
        // Reads still answer.
        const status = await fetch(`${mcpUrl}/status/${firstId}`, { headers: { "x-api-key": KEY } });
        expect(status.status).toBe(200);
        expect(((await status.json()) as { status: string }).status).toBe("completed");

        // Room again: the server resumes by itself.
        await rm(join(mountPoint, "filler"));
        await until(() => /can write to .* again/.test(server.output()), "the store resumed");
        const after = JSON.parse(await push(mcpUrl, 999, "after")) as { result?: { isError?: boolean } };
        expect(after.result?.isError).toBeFalsy();

        // Nothing lost: every call that was recorded has settled, each with its one event.
        let tasks: { taskId: string; status: string }[] = [];
        await until(async () => {
          const listed = JSON.parse(await post(mcpUrl, { jsonrpc: "2.0", id: 1, method: "tasks/list" })) as {
            result: { tasks: typeof tasks };
          };
          tasks = listed.result.tasks;
          return tasks.every((task) => task.status !== "working");
        }, "every call settled");
        await until(async () => {
          const text = await readFile(join(dataDir, "events.jsonl"), "utf8").catch(() => "");
          const events = text
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line).detail.requestId);
          return tasks.every((task) => events.filter((id: string) => id === task.taskId).length === 1);
        }, "one event for every call");
        // Said once each way, with no stack trace anywhere.
        expect(server.output().match(/the store cannot write to/g)).toHaveLength(1);
        const eventsFailed = server.output().match(/cannot write the events file/g)?.length ?? 0;
        expect(eventsFailed).toBeLessThanOrEqual(1);
        if (eventsFailed) expect(server.output()).toMatch(/the events file .* takes events again/);
        expect(server.output()).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
        for (const answer of answers) expect(answer).not.toMatch(STACK_TRACE);
        server.child.kill("SIGTERM");
        expect(await server.exited).toBe(0);
      });
    },
    120_000,
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
