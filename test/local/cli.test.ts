import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const MAIN = new URL("../../local/main.ts", import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  output: () => string;
  mcpUrl: string;
}

/** Starts `npm start`'s program as a child process and waits for its "Listening on" line. */
function start(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, REZ_AGENT_MCP_API_KEY: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /Listening on (http:\/\/\S+\/mcp)/.exec(output);
      if (match?.[1]) resolve({ child, output: () => output, mcpUrl: match[1] });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

function exit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on("exit", (code, signal) => resolve(code ?? (signal as unknown as number)));
  });
}

let dataDir: string;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("npm start (local/main.ts)", () => {
  it("serves a tool call, prints the key once, and stops cleanly on SIGTERM", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "rez-agent-mcp-cli-"));
    const first = await start(["--port", "0", "--upstreams", "simulated", "--data-dir", dataDir]);
    children.push(first.child);
    const key = /API key \(shown once[^)]*\): (\S+)/.exec(first.output())?.[1] ?? "";
    expect(key).toMatch(/^rez_[A-Za-z0-9_-]{43}$/);
    expect(first.output()).toContain("curl -s");
    expect(first.output()).toContain(
      `Console: ${first.mcpUrl.replace(/\/mcp$/, "/console/")} (sign in with the API key)`,
    );
    // A Claude Desktop entry that runs the bridge with this Node, pointed at this endpoint with this key.
    const entry = /Claude Desktop: [\s\S]*?\n(\{[\s\S]*?\n\})\n/.exec(first.output())?.[1] ?? "{}";
    expect(JSON.parse(entry).mcpServers["rez-agent-mcp"]).toEqual({
      command: process.execPath,
      args: [new URL("../../client/bridge.ts", import.meta.url).pathname],
      env: { REZ_AGENT_MCP_ENDPOINT: first.mcpUrl, REZ_AGENT_MCP_API_KEY: key },
    });

    const response = await fetch(first.mcpUrl, {
      method: "POST",
      headers: {
        "x-api-key": key,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "get_weather", arguments: { location: "Sample Links" } },
      }),
    });
    const body = await response.json();
    expect(body.result.structuredContent.location.name).toBe("Sample Links");
    // A line per request in the terminal: method, tool, status, duration, request id; no argument, no key.
    const requestId = body.result._meta["rez-agent-mcp/requestId"];
    await expect
      .poll(() => first.output())
      .toMatch(
        new RegExp(
          `\\d\\d:\\d\\d:\\d\\d tools/call get_weather → completed, \\d+ ms, request ${requestId}\n`,
        ),
      );
    const lines = first.output().split("\n");
    const afterBanner = lines.slice(lines.findIndex((line) => line.includes("tools/call get_weather")));
    expect(afterBanner.join("\n")).not.toContain("Sample Links");
    expect(afterBanner.join("\n")).not.toContain(key);

    // The key is stored hashed, readable by the owner only.
    const keysFile = join(dataDir, "api-keys.json");
    expect((await stat(keysFile)).mode & 0o077).toBe(0);
    expect(await readFile(keysFile, "utf8")).not.toContain(key);

    first.child.kill("SIGTERM");
    expect(await exit(first.child)).toBe(0);

    const second = await start(["--port", "0", "--upstreams", "simulated", "--data-dir", dataDir]);
    children.push(second.child);
    expect(second.output()).not.toContain(key);
    expect(second.output()).toMatch(/stored hashed/);
    second.child.kill("SIGINT");
    expect(await exit(second.child)).toBe(0);
  });

  it.each([
    [["--upstreams", "sometimes"], /--upstreams must be live or simulated/],
    [["--port", "http"], /--port must be a port number/],
    [["--bogus"], /Unknown option '--bogus'/],
  ])("refuses %j with a clear message", async (args, message) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let output = "";
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    expect(await exit(child)).toBe(2);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it("refuses to start with a secrets file others can read, saying how to fix it", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "rez-agent-mcp-cli-"));
    const secrets = join(dataDir, "secrets.json");
    await writeFile(secrets, JSON.stringify({ ntfyToken: "tk_do_not_print" }), { mode: 0o644 });
    await chmod(secrets, 0o644);
    const child = spawn(process.execPath, [MAIN, "--data-dir", dataDir, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    expect(await exit(child)).toBe(2);
    expect(output).toContain(`can be read by other users (mode 0644). Run: chmod 600 ${secrets}`);
    expect(output).not.toContain("tk_do_not_print");
  });
});

/** The TCP ports a process listens on, from /proc (Linux): its socket inodes matched against the LISTEN table. */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1]) inodes.add(match[1]);
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const lines = (await readFile(table, "utf8").catch(() => "")).split("\n").slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (state === "0A" && inode && inodes.has(inode) && local)
        ports.push(Number.parseInt(local.split(":")[1] ?? "", 16));
    }
  }
  return ports;
}

describe("the generated key", () => {
  it("survives a first start that fails after making it, and is shown by the next start, once", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "rez-cli-"));
    // The port is taken: the first start makes the key, then cannot listen.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = String((blocker.address() as AddressInfo).port);
    const failed = spawn(process.execPath, [MAIN, "--data-dir", dataDir, "--port", port], {
      env: { ...process.env, REZ_AGENT_MCP_API_KEY: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(failed);
    let failedOutput = "";
    failed.stderr?.on("data", (chunk) => {
      failedOutput += chunk;
    });
    expect(await exit(failed)).toBe(1);
    expect(failedOutput).toMatch(/cannot start: .*EADDRINUSE/);
    blocker.close();

    const second = await start(["--data-dir", dataDir, "--port", "0"]);
    children.push(second.child);
    const key = /API key \(shown once[^)]*\): (\S+)/.exec(second.output())?.[1] ?? "";
    expect(key).toMatch(/^rez_[A-Za-z0-9_-]{43}$/);
    const answer = await fetch(second.mcpUrl, {
      method: "POST",
      headers: {
        "x-api-key": key,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(answer.status).toBe(200);
    second.child.kill("SIGTERM");
    await exit(second.child);

    const third = await start(["--data-dir", dataDir, "--port", "0"]);
    children.push(third.child);
    expect(third.output()).not.toContain(key);
    expect(third.output()).toMatch(/API key: the one printed at first start/);
  });
});

describe("a second server on the same data folder", () => {
  it("exits 1 with one line that says which process holds the folder", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "rez-cli-"));
    const first = await start(["--data-dir", dataDir, "--port", "0"]);
    children.push(first.child);
    const second = spawn(process.execPath, [MAIN, "--data-dir", dataDir, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(second);
    let output = "";
    second.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    second.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    expect(await exit(second)).toBe(1);
    expect(output.trim().split("\n")).toEqual([
      `rez-agent-mcp: cannot start: the data folder ${dataDir} is in use by another rez-agent-mcp (process ${first.child.pid}); stop it, or start this one with another --data-dir`,
    ]);
  });
});

describe("the embedded store", () => {
  it.runIf(process.platform === "linux")(
    "listens on no TCP port: the server's own port is the process's only one",
    async () => {
      dataDir = await mkdtemp(join(tmpdir(), "rez-cli-"));
      const started = await start(["--data-dir", dataDir, "--port", "0"]);
      children.push(started.child);
      const port = Number(new URL(started.mcpUrl).port);
      expect(await listeningPorts(started.child.pid as number)).toEqual([port]);
    },
  );

  it("makes an existing data folder and every file in it the owner's alone", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "rez-cli-"));
    await chmod(dataDir, 0o755);
    await writeFile(join(dataDir, "events.jsonl"), "", { mode: 0o644 });
    const started = await start(["--data-dir", dataDir, "--port", "0"]);
    children.push(started.child);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
      // A file may go between the listing and its stat (the key's .unshown file, once the banner has shown it).
      const found = await stat(join(entry.parentPath, entry.name)).catch(() => undefined);
      if (!found) continue;
      const mode = found.mode & 0o777;
      if (entry.isDirectory()) expect({ [entry.name]: mode }).toEqual({ [entry.name]: 0o700 });
      else if (entry.isFile()) expect({ [entry.name]: mode }).toEqual({ [entry.name]: 0o600 });
    }
  });
});
