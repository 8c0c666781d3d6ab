/**
 * npm run service -- install [server options] | uninstall
 *
 * Makes the local server a user service that starts at login, before Claude Desktop: a systemd user unit on Linux, a
 * launchd agent on macOS; on Windows it prints the Task Scheduler command to run. The API key is made (and shown)
 * here, since nobody reads a service's first output.
 */
import { spawnSync } from "node:child_process";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mergeSecrets, secretsFromEnvironment } from "../../functions/core/secrets.ts";
import { loadLocalKeys } from "../api-keys.ts";
import { type Command, command } from "../cli.ts";
import { loadLocalSecrets } from "../secrets.ts";
import {
  LAUNCHD_LABEL,
  launchdPlist,
  SERVICE_NAME,
  type ServicePlan,
  systemdUnit,
  UnsafeServiceArgument,
  windowsCommands,
} from "./files.ts";

const USAGE = `Usage: npm run service -- install [server options]   start the local server at login
       npm run service -- uninstall                      stop it and remove the service

Server options are npm start's (--upstreams, --port, --data-dir, --secrets-file, ...); the data folder defaults to
this project's .rez-agent-mcp. --no-load writes the files without loading them; --platform linux|darwin|win32
shows what another system would get. A service does not see your shell's environment: --take-secrets stores the
golf credentials and ntfy token it sets in the secrets file (mode 0600) and its ntfy topic in the service file.`;

const PROJECT = resolve(fileURLToPath(new URL("../../", import.meta.url)));
const cli: Command = command("service");
const { say } = cli;

const [action, ...rest] = process.argv.slice(2);
if (action !== "install" && action !== "uninstall") cli.fail(`say install or uninstall.\n\n${USAGE}`, 2);

let load = true;
let takeSecrets = false;
let platform: string = process.platform;
const serverArgs: string[] = [];
for (let i = 0; i < rest.length; i++) {
  const arg = rest[i] as string;
  if (arg === "--no-load") load = false;
  else if (arg === "--take-secrets") takeSecrets = true;
  else if (arg === "--platform") platform = rest[++i] ?? "";
  else serverArgs.push(arg);
}
if (!["linux", "darwin", "win32"].includes(platform))
  cli.fail(`--platform must be linux, darwin or win32`, 2);
if (action === "uninstall" && serverArgs.length > 0) cli.fail(`uninstall takes no server options`, 2);

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

/** What systemctl says when there is no user service manager to talk to (a server, a container, su without login). */
const NO_USER_SESSION =
  /Failed to connect to (user scope )?bus|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR|No medium found/i;

/** Runs a service manager command; its failure is reported with what it said, and what to do next. */
function run(command: string, args: string[], okToFail = false): void {
  if (!load) return;
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error)
    cli.fail(`cannot run ${command}: ${result.error.message}. The file is written; load it by hand.`);
  if (result.status === 0 || okToFail) return;
  const said = (result.stderr || result.stdout).trim().split("\n")[0] ?? "";
  if (command === "systemctl" && NO_USER_SESSION.test(said)) {
    cli.fail(
      `there is no systemd user session here (systemctl --user: ${said}). ${unitFile} is written. ` +
        "From a login session (a desktop, or ssh as this user) run: systemctl --user daemon-reload && " +
        `systemctl --user enable --now ${SERVICE_NAME}.service; on a machine without one, ` +
        "`sudo loginctl enable-linger $USER` keeps user services running. Or start the server with npm start.",
    );
  }
  cli.fail(`${command} ${args.join(" ")} failed: ${said}`);
}

/** A service file may hold the ntfy topic: readable by its owner alone, like the secrets file. */
async function writeOwnerOnly(file: string, text: string): Promise<void> {
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** What the shell sets that a service will not see: named, never shown. */
const SHELL_SECRETS = [
  "CPS_GOLF_USERNAME",
  "CPS_GOLF_PASSWORD",
  "CPS_GOLF_CLIENT_SECRET",
  "NTFY_TOKEN",
  "NTFY_TOPIC",
];

/**
 * The shell's golf credentials, ntfy token and topic go along only when asked (--take-secrets): the credentials and
 * token into the secrets file (merged with what it holds, mode 0600), the topic into the server's options.
 */
async function takeShellSecrets(): Promise<void> {
  const set = SHELL_SECRETS.filter((name) => process.env[name]);
  if (set.length === 0) return;
  if (!takeSecrets) {
    say(
      `Your shell sets ${set.join(", ")}; the service will not see them. Run again with --take-secrets to store them ` +
        "for it, or put them in the secrets file yourself.",
    );
    return;
  }
  const secretsFlag = serverArgs.indexOf("--secrets-file");
  const secretsFile =
    secretsFlag >= 0 ? resolve(PROJECT, serverArgs[secretsFlag + 1] ?? "") : join(dataDir, "secrets.json");
  const fromShell = secretsFromEnvironment(process.env);
  if (Object.keys(fromShell).length > 0) {
    const kept = await loadLocalSecrets(secretsFile, {});
    await writeOwnerOnly(secretsFile, `${JSON.stringify(mergeSecrets(kept, fromShell), null, 2)}\n`);
    say(
      `Stored the shell's ${set.filter((n) => n !== "NTFY_TOPIC").join(", ")} in ${secretsFile} (mode 0600).`,
    );
  }
}

/** A service file, or the reason an argument cannot go in one. */
function serviceFile(write: () => string): string {
  try {
    return write();
  } catch (error) {
    if (error instanceof UnsafeServiceArgument) cli.fail(`${error.message}; nothing was installed.`, 2);
    throw error;
  }
}

if (action === "install") {
  // The key is made here and shown once: a service's first output goes to a log nobody is watching.
  if (takeSecrets && process.env.NTFY_TOPIC && !plan.args.includes("--ntfy-topic")) {
    plan.args.push("--ntfy-topic", process.env.NTFY_TOPIC);
  }
  // The service file is made first: an argument it cannot hold refuses the install before anything is written.
  serviceFile(() =>
    platform === "linux"
      ? systemdUnit(plan)
      : platform === "darwin"
        ? launchdPlist(plan)
        : windowsCommands(plan).install,
  );
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await takeShellSecrets();
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
    await writeOwnerOnly(
      unitFile,
      serviceFile(() => systemdUnit(plan)),
    );
    run("systemctl", ["--user", "daemon-reload"]);
    run("systemctl", ["--user", "enable", "--now", `${SERVICE_NAME}.service`]);
    say(`Wrote ${unitFile}${load ? " and started it; it starts at every login." : "."}`);
    say(`Its output: journalctl --user -u ${SERVICE_NAME} -f`);
    if (!load)
      say(`Load it: systemctl --user daemon-reload && systemctl --user enable --now ${SERVICE_NAME}.service`);
  } else if (platform === "darwin") {
    await writeOwnerOnly(
      plistFile,
      serviceFile(() => launchdPlist(plan)),
    );
    const domain = `gui/${process.getuid?.() ?? userInfo().uid}`;
    run("launchctl", ["bootout", `${domain}/${LAUNCHD_LABEL}`], true);
    run("launchctl", ["bootstrap", domain, plistFile]);
    say(`Wrote ${plistFile}${load ? " and loaded it; it starts at every login." : "."}`);
    say(`Its output: tail -f ${plan.logFile}`);
    if (!load) say(`Load it: launchctl bootstrap ${domain} ${plistFile}`);
  } else {
    say("Windows: run this once in a Command Prompt to start the server at every logon:");
    say(`  ${serviceFile(() => windowsCommands(plan).install)}`);
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
