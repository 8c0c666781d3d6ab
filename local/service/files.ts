/**
 * The files that make the local server a user service started at login, one per system: a systemd user unit
 * (Linux), a launchd agent (macOS) and a Task Scheduler command (Windows). Pure functions of a plan, so tests can
 * read exactly what `npm run service -- install` writes.
 */

export const SERVICE_NAME = "rez-agent-mcp";
export const LAUNCHD_LABEL = "dev.rez-agent-mcp.server";

export interface ServicePlan {
  /** The Node that runs the server: the project's own Node 22. */
  node: string;
  /** local/main.ts, absolute. */
  main: string;
  /** The project folder (the server's working directory). */
  workingDir: string;
  /** The server's options, with an absolute --data-dir. */
  args: string[];
  /** macOS: where launchd writes the server's output. */
  logFile?: string;
}

/** An argument no service file can hold as one word: it would start a new line, or end the file's syntax. */
export class UnsafeServiceArgument extends Error {
  override readonly name = "UnsafeServiceArgument";
}

/** Refuses a word with a control character (a newline would start a new line of the unit: a new directive). */
function plainWord(word: string): string {
  for (const char of word) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) {
      throw new UnsafeServiceArgument(
        `the argument ${JSON.stringify(word)} holds a control character (a newline, a tab...), which no service file can hold safely`,
      );
    }
  }
  return word;
}

/**
 * A systemd word: quoted when it holds anything but safe characters, with \ and " escaped, % doubled (specifiers)
 * and $ doubled (systemd expands $VAR and ${VAR} in ExecStart, which would make "$HOME" the service's home).
 */
function systemdWord(word: string): string {
  const escaped = plainWord(word).replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

export function systemdUnit(plan: ServicePlan): string {
  const command = [plan.node, plan.main, ...plan.args].map(systemdWord).join(" ");
  return `[Unit]
Description=rez-agent-mcp: the local MCP server Claude Desktop connects to
Documentation=file://${plan.workingDir}/docs/claude-desktop.md

[Service]
Type=simple
WorkingDirectory=${systemdWord(plan.workingDir)}
ExecStart=${command}
Restart=on-failure
RestartSec=5
UMask=0077
# The server finishes running calls on SIGTERM within 10 s; a scheduled call resumes at the next start.
TimeoutStopSec=20

[Install]
WantedBy=default.target
`;
}

const xml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

export function launchdPlist(plan: ServicePlan): string {
  const args = [plan.node, plan.main, ...plan.args]
    .map((a) => `    <string>${xml(plainWord(a))}</string>`)
    .join("\n");
  const log = xml(plan.logFile ?? "/dev/null");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${args}
  </array>
  <key>WorkingDirectory</key>
  <string>${xml(plan.workingDir)}</string>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>Umask</key>
  <integer>63</integer>
  <key>StandardOutPath</key>
  <string>${log}</string>
  <key>StandardErrorPath</key>
  <string>${log}</string>
</dict>
</plist>
`;
}

/** A Windows command-line word: quoted, with inner quotes escaped as cmd and schtasks read them. */
const windowsWord = (word: string) => {
  if (/["%]/.test(plainWord(word))) {
    throw new UnsafeServiceArgument(
      `the argument ${JSON.stringify(word)} holds " or %, which cmd would read`,
    );
  }
  return /^[A-Za-z0-9_:.\\/=-]+$/.test(word) ? word : `\\"${word}\\"`;
};

/** The Task Scheduler commands that start the server at logon, and remove it. */
export function windowsCommands(plan: ServicePlan): { install: string; uninstall: string } {
  const run = [plan.node, plan.main, ...plan.args].map(windowsWord).join(" ");
  return {
    install: `schtasks /Create /F /TN ${SERVICE_NAME} /SC ONLOGON /RL LIMITED /TR "cmd /c cd /d ${windowsWord(plan.workingDir)} && ${run}"`,
    uninstall: `schtasks /Delete /F /TN ${SERVICE_NAME}`,
  };
}
