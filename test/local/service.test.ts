import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runToExit } from "../client/run-to-exit.ts";

/** npm run service: the files it writes for each system, and that the Linux unit's command really starts the server. */

const SERVICE = new URL("../../local/service/main.ts", import.meta.url).pathname;
const PROJECT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

let home: string;
let children: ChildProcess[] = [];
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "rez-service-"));
});
afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  children = [];
  await rm(home, { recursive: true, force: true });
});

const service = (...args: string[]) => serviceWith({}, ...args);

const serviceWith = (env: Record<string, string>, ...args: string[]) =>
  runToExit([SERVICE, ...args], { PATH: process.env.PATH ?? "", HOME: home, ...env }, PROJECT);

/** systemd's ExecStart words: split on spaces outside double quotes, unescaping \" and \\. */
function execStartWords(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) =>
    (m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1").replaceAll("%%", "%").replaceAll("$$", "$"),
  );
}

describe("npm run service", () => {
  it("on Linux writes a systemd user unit whose command starts the server, shows a new key once, and uninstalls", async () => {
    const dataDir = join(home, "data dir");
    const installed = await service(
      "install",
      "--no-load",
      "--platform",
      "linux",
      "--upstreams",
      "simulated",
      "--data-dir",
      dataDir,
    );
    expect(installed.stderr).toBe("");
    expect(installed.code).toBe(0);
    const key = /API key \(shown once[^)]*\): (rez_\S+)/.exec(installed.stdout)?.[1];
    expect(key).toBeDefined();
    expect((await stat(join(dataDir, "api-keys.json"))).mode & 0o077).toBe(0);

    const unitFile = join(home, ".config/systemd/user/rez-agent-mcp.service");
    const unit = await readFile(unitFile, "utf8");
    expect(unit).toContain("[Install]\nWantedBy=default.target");
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toContain(`WorkingDirectory=${PROJECT}`);
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? "";
    const words = execStartWords(execStart);
    expect(words).toEqual([
      process.execPath,
      `${PROJECT}/local/main.ts`,
      "--data-dir",
      dataDir,
      "--upstreams",
      "simulated",
    ]);

    // What systemd would run, run: it starts with the key made at install, which it does not show again.
    const child = spawn(words[0] as string, [...words.slice(1), "--port", "0"], {
      cwd: PROJECT,
      env: { PATH: process.env.PATH ?? "", HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk) => {
        output += chunk;
        if (output.includes("Listening on")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    expect(output).not.toContain(key);
    expect(output).toMatch(/stored hashed/);

    const again = await service("install", "--no-load", "--platform", "linux", "--data-dir", dataDir);
    expect(again.stdout).toMatch(/the one already made/);
    expect(again.stdout).not.toContain(key);

    const removed = await service("uninstall", "--no-load", "--platform", "linux");
    expect(removed.code).toBe(0);
    await expect(stat(unitFile)).rejects.toMatchObject({ code: "ENOENT" });
  }, 30_000);

  it("on macOS writes a launchd agent that runs at load and restarts after a crash", async () => {
    const dataDir = join(home, "data");
    const installed = await service(
      "install",
      "--no-load",
      "--platform",
      "darwin",
      "--port",
      "3100",
      "--data-dir",
      dataDir,
    );
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain("Endpoint: http://127.0.0.1:3100/mcp");
    const plistFile = join(home, "Library/LaunchAgents/dev.rez-agent-mcp.server.plist");
    const plist = await readFile(plistFile, "utf8");
    const strings = [...plist.matchAll(/<string>([^<]*)<\/string>/g)].map((m) => m[1]);
    expect(strings).toEqual([
      "dev.rez-agent-mcp.server",
      process.execPath,
      `${PROJECT}/local/main.ts`,
      "--data-dir",
      dataDir,
      "--port",
      "3100",
      PROJECT,
      join(home, "Library/Logs/rez-agent-mcp.log"),
      join(home, "Library/Logs/rez-agent-mcp.log"),
    ]);
    expect(plist).toMatch(/<key>RunAtLoad<\/key>\s*<true\/>/);
    expect(plist).toMatch(/<key>SuccessfulExit<\/key>\s*<false\/>/);
    expect((await service("uninstall", "--no-load", "--platform", "darwin")).code).toBe(0);
    await expect(stat(plistFile)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("on Windows prints the Task Scheduler commands and writes no service file", async () => {
    const installed = await service("install", "--platform", "win32", "--data-dir", join(home, "data"));
    expect(installed.code).toBe(0);
    expect(installed.stdout).toMatch(
      /schtasks \/Create \/F \/TN rez-agent-mcp \/SC ONLOGON .*local\/main\.ts/,
    );
    expect((await service("uninstall", "--platform", "win32")).stdout).toContain(
      "schtasks /Delete /F /TN rez-agent-mcp",
    );
  });

  it("refuses anything but install or uninstall, with the usage", async () => {
    const wrong = await service("start");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/say install or uninstall/);
  });

  it("refuses an argument with a newline (a new line of the unit), writing nothing", async () => {
    const dataDir = join(home, "data");
    const refused = await service(
      "install",
      "--no-load",
      "--platform",
      "linux",
      "--data-dir",
      dataDir,
      "--ntfy-topic",
      "alerts\nExecStartPre=/bin/sh -c evil",
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds a control character .* nothing was installed/);
    await expect(stat(join(home, ".config/systemd/user/rez-agent-mcp.service"))).rejects.toMatchObject({
      code: "ENOENT",
    });
    await expect(stat(dataDir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("keeps a $ as it is (systemd would expand $HOME), in a unit readable by its owner alone", async () => {
    const installed = await service(
      "install",
      "--no-load",
      "--platform",
      "linux",
      "--data-dir",
      join(home, "data"),
      "--ntfy-topic",
      "$HOME-alerts",
    );
    expect(installed.code).toBe(0);
    const unitFile = join(home, ".config/systemd/user/rez-agent-mcp.service");
    const unit = await readFile(unitFile, "utf8");
    expect(unit).toContain('"$$HOME-alerts"');
    expect(execStartWords(/^ExecStart=(.*)$/m.exec(unit)?.[1] ?? "")).toContain("$HOME-alerts");
    expect((await stat(unitFile)).mode & 0o077).toBe(0);
  });

  it("names the shell's secrets a service would not see, and takes them along only when asked", async () => {
    const dataDir = join(home, "data");
    const shell = {
      CPS_GOLF_USERNAME: "pat@example.com",
      CPS_GOLF_PASSWORD: "pw-1234",
      NTFY_TOPIC: "alerts-9q",
    };
    const args = ["install", "--no-load", "--platform", "linux", "--data-dir", dataDir];
    const told = await serviceWith(shell, ...args);
    expect(told.code).toBe(0);
    expect(told.stdout).toContain(
      "Your shell sets CPS_GOLF_USERNAME, CPS_GOLF_PASSWORD, NTFY_TOPIC; the service will not see them.",
    );
    expect(told.stdout).not.toContain("pw-1234");
    await expect(stat(join(dataDir, "secrets.json"))).rejects.toMatchObject({ code: "ENOENT" });

    const taken = await serviceWith(shell, ...args, "--take-secrets");
    expect(taken.code).toBe(0);
    const secretsFile = join(dataDir, "secrets.json");
    expect((await stat(secretsFile)).mode & 0o077).toBe(0);
    expect(JSON.parse(await readFile(secretsFile, "utf8"))).toMatchObject({
      golf: { default: { username: "pat@example.com", password: "pw-1234" } },
    });
    const unit = await readFile(join(home, ".config/systemd/user/rez-agent-mcp.service"), "utf8");
    expect(execStartWords(/^ExecStart=(.*)$/m.exec(unit)?.[1] ?? "")).toEqual(
      expect.arrayContaining(["--ntfy-topic", "alerts-9q"]),
    );
  });

  it("says what to do where there is no systemd user session, after writing the unit", async () => {
    const bin = join(home, "bin");
    await mkdir(bin);
    await writeFile(
      join(bin, "systemctl"),
      '#!/bin/sh\necho "Failed to connect to bus: No medium found" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const failed = await serviceWith(
      { PATH: `${bin}:${process.env.PATH ?? ""}` },
      "install",
      "--platform",
      "linux",
      "--data-dir",
      join(home, "data"),
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /there is no systemd user session here \(systemctl --user: Failed to connect to bus/,
    );
    expect(failed.stderr).toMatch(/loginctl enable-linger/);
    expect(failed.stderr).toMatch(/Or start the server with npm start/);
    await stat(join(home, ".config/systemd/user/rez-agent-mcp.service"));
  });
});
