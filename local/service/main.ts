/**
 * npm run service -- install [server options] | uninstall
 *
 * Makes the local server a user service that starts at login, before Claude Desktop: a systemd user unit on Linux, a
 * launchd agent on macOS; on Windows it prints the Task Scheduler command to run. The API key is made (and shown)
 * here, since nobody reads a service's first output.
 */
import { spawnSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadLocalKeys } from "../api-keys.ts";
import {
  LAUNCHD_LABEL,
  launchdPlist,
  SERVICE_NAME,
  type ServicePlan,
  systemdUnit,
  windowsCommands,
} from "./files.ts";

const USAGE = `Usage: npm run service -- install [server options]   start the local server at login
       npm run service -- uninstall                      stop it and remove the service

Server options are npm start's (--upstreams, --port, --data-dir, --secrets-file, ...); the data folder defaults to
this project's .rez-agent-mcp. --no-load writes the files without loading them; --platform linux|darwin|win32
shows what another system would get.`;

const PROJECT = resolve(fileURLToPath(new URL("../../", import.meta.url)));
const say = (line: string) => process.stdout.write(`${line}\n`);

function fail(message: string, code = 1): never {
  process.stderr.write(`rez-agent-mcp service: ${message}\n`);
  process.exit(code);
}

const [action, ...rest] = process.argv.slice(2);
if (action !== "install" && action !== "uninstall") fail(`say install or uninstall.\n\n${USAGE}`, 2);

let load = true;
let platform: string = process.platform;
const serverArgs: string[] = [];
for (let i = 0; i < rest.length; i++) {
  const arg = rest[i] as string;
  if (arg === "--no-load") load = false;
  else if (arg === "--platform") platform = rest[++i] ?? "";
  else serverArgs.push(arg);
}
if (!["linux", "darwin", "win32"].includes(platform)) fail(`--platform must be linux, darwin or win32`, 2);
if (action === "uninstall" && serverArgs.length > 0) fail(`uninstall takes no server options`, 2);

const home = process.env.HOME || homedir();
const dataFlag = serverArgs.indexOf("--data-dir");
const dataDir = resolve(PROJECT, dataFlag >= 0 ? (serverArgs[dataFlag + 1] ?? "") : ".rez-agent-mcp");
if (dataFlag >= 0) serverArgs.splice(dataFlag, 2);
const plan: ServicePlan = {
  node: process.execPath,
  main: join(PROJECT, "local/main.ts"),
  workingDir: PROJECT,
  args: ["--data-dir", dataDir, ...serverArgs],
  logFile: join(home, "Library/Logs/rez-agent-mcp.log"),
};
const unitFile = join(
  process.env.XDG_CONFIG_HOME || join(home, ".config"),
  "systemd/user",
  `${SERVICE_NAME}.service`,
);
const plistFile = join(home, "Library/LaunchAgents", `${LAUNCHD_LABEL}.plist`);

/** Runs a service manager command; its failure is reported with what it said. */
function run(command: string, args: string[], okToFail = false): void {
  if (!load) return;
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error)
    fail(`cannot run ${command}: ${result.error.message}. The file is written; load it by hand.`);
  if (result.status !== 0 && !okToFail) {
    fail(`${command} ${args.join(" ")} failed: ${(result.stderr || result.stdout).trim()}`);
  }
}

if (action === "install") {
  // The key is made here and shown once: a service's first output goes to a log nobody is watching.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const keys = await loadLocalKeys(join(dataDir, "api-keys.json"), undefined);
  if (keys.generatedKey) {
    say(`API key (shown once; stored hashed in ${dataDir}/api-keys.json): ${keys.generatedKey}`);
    await keys.markShown();
  } else {
    say(
      `API key: the one already made for ${dataDir} (stored hashed; delete api-keys.json there for a new one).`,
    );
  }
  const option = (name: string, fallback: string) =>
    serverArgs.includes(name) ? (serverArgs[serverArgs.indexOf(name) + 1] ?? fallback) : fallback;
  const endpoint = `http://${option("--host", "127.0.0.1")}:${option("--port", "3000")}/mcp`;
  if (platform === "linux") {
    await mkdir(join(unitFile, ".."), { recursive: true });
    await writeFile(unitFile, systemdUnit(plan));
    run("systemctl", ["--user", "daemon-reload"]);
    run("systemctl", ["--user", "enable", "--now", `${SERVICE_NAME}.service`]);
    say(`Wrote ${unitFile}${load ? " and started it; it starts at every login." : "."}`);
    say(`Its output: journalctl --user -u ${SERVICE_NAME} -f`);
    if (!load)
      say(`Load it: systemctl --user daemon-reload && systemctl --user enable --now ${SERVICE_NAME}.service`);
  } else if (platform === "darwin") {
    await mkdir(join(plistFile, ".."), { recursive: true });
    await writeFile(plistFile, launchdPlist(plan));
    const domain = `gui/${process.getuid?.() ?? userInfo().uid}`;
    run("launchctl", ["bootout", `${domain}/${LAUNCHD_LABEL}`], true);
    run("launchctl", ["bootstrap", domain, plistFile]);
    say(`Wrote ${plistFile}${load ? " and loaded it; it starts at every login." : "."}`);
    say(`Its output: tail -f ${plan.logFile}`);
    if (!load) say(`Load it: launchctl bootstrap ${domain} ${plistFile}`);
  } else {
    say("Windows: run this once in a Command Prompt to start the server at every logon:");
    say(`  ${windowsCommands(plan).install}`);
  }
  say(`Endpoint: ${endpoint}. Uninstall: npm run service -- uninstall`);
} else if (platform === "linux") {
  run("systemctl", ["--user", "disable", "--now", `${SERVICE_NAME}.service`], true);
  await rm(unitFile, { force: true });
  run("systemctl", ["--user", "daemon-reload"], true);
  say(`Removed ${unitFile}. The data folder is kept.`);
} else if (platform === "darwin") {
  run("launchctl", ["bootout", `gui/${process.getuid?.() ?? userInfo().uid}/${LAUNCHD_LABEL}`], true);
  await rm(plistFile, { force: true });
  say(`Removed ${plistFile}. The data folder is kept.`);
} else {
  say("Windows: run this once in a Command Prompt:");
  say(`  ${windowsCommands(plan).uninstall}`);
}
