import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeGolfers } from "../functions/core/golfers.ts";
import type { NtfyConfig } from "../functions/tools/ntfy.ts";
import { startRuntime } from "./runtime.ts";
import { loadLocalSecrets } from "./secrets.ts";
import { parseSubscribers } from "./subscribers.ts";

const USAGE = `Usage: npm start -- [options]

  --port <n>                  HTTP port (default 3000; 0 picks a free one)
  --host <address>            address to bind (default 127.0.0.1)
  --upstreams live|simulated  real upstream APIs, or loopback simulators (default live)
  --data-dir <dir>            records, keys and events (default ./.rez-agent-mcp)
  --events-file <file>        JSONL file of every event (default <data-dir>/events.jsonl)
  --courses <file>            golf courses (JSON); simulated mode defaults to the sample courses
  --secrets-file <file>       golf credentials and ntfy token, JSON, mode 0600 (default <data-dir>/secrets.json)
  --ntfy-topic <topic>        your ntfy topic for push notifications (or NTFY_TOPIC)
  --ntfy-url <url>            your ntfy server (or NTFY_BASE_URL; default https://ntfy.sh)
  --sync-budget <seconds>     how long tools/call waits before answering "still running" (default 20)
  --no-auth                   accept requests without an API key (loopback only; for conformance tools)
  --no-confirm                book without asking the golfer first, even where the client could ask
  --subscribers <file>        webhooks and ntfy topics for the completion events (default <data-dir>/subscribers.json)
  -h, --help                  this text

Environment: REZ_AGENT_MCP_API_KEY sets the API key (otherwise one is generated on first start).
Secrets may also come from NTFY_TOKEN, CPS_GOLF_USERNAME, CPS_GOLF_PASSWORD and CPS_GOLF_CLIENT_SECRET.`;

/** A start that cannot go on: one line, exit 1 (usage errors are exit 2, with the usage). */
function failToStart(message: string): never {
  console.error(`rez-agent-mcp: cannot start: ${message}`);
  process.exit(1);
}

function fail(message: string): never {
  console.error(`rez-agent-mcp: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      options: {
        port: { type: "string", default: "3000" },
        host: { type: "string", default: "127.0.0.1" },
        upstreams: { type: "string", default: "live" },
        "data-dir": { type: "string", default: ".rez-agent-mcp" },
        "events-file": { type: "string" },
        courses: { type: "string" },
        "secrets-file": { type: "string" },
        "ntfy-topic": { type: "string" },
        "ntfy-url": { type: "string" },
        "sync-budget": { type: "string", default: "20" },
        "no-auth": { type: "boolean", default: false },
        "no-confirm": { type: "boolean", default: false },
        subscribers: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
}

const flags = parse();
if (flags.help) {
  console.error(USAGE);
  process.exit(0);
}
const port = Number(flags.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be a port number, not ${flags.port}`);
if (flags.upstreams !== "live" && flags.upstreams !== "simulated") {
  fail(`--upstreams must be live or simulated, not ${flags.upstreams}`);
}
const syncBudget = Number(flags["sync-budget"]);
if (!Number.isFinite(syncBudget) || syncBudget < 0 || syncBudget > 25) {
  fail("--sync-budget must be a number of seconds from 0 to 25");
}

// Signals are handled from the first moment, so a Ctrl+C during start still stops cleanly once the store is open.
let stopRequested: string | undefined;
let stop: ((signal: string) => Promise<void>) | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopRequested) return;
    stopRequested = signal;
    void stop?.(signal);
  });
}

const startedAt = performance.now();
// Everything this process creates (records, keys, events, the store's files) is the owner's alone.
process.umask(0o077);
const log = (line: string) => console.error(line);
const secretsFile = flags["secrets-file"] ?? join(flags["data-dir"], "secrets.json");
const secrets = await loadLocalSecrets(secretsFile, process.env, {
  required: flags["secrets-file"] !== undefined,
}).catch((error: Error) => fail(error.message));
const subscribersFile = flags.subscribers ?? join(flags["data-dir"], "subscribers.json");
const subscribers = await readFile(subscribersFile, "utf8").then(
  (text) => {
    try {
      return parseSubscribers(JSON.parse(text), subscribersFile);
    } catch (error) {
      return fail((error as Error).message);
    }
  },
  (error: NodeJS.ErrnoException) =>
    error.code === "ENOENT" && !flags.subscribers
      ? []
      : fail(`cannot read ${subscribersFile}: ${error.message}`),
);
const ntfy: Partial<NtfyConfig> = {};
const ntfyTopic = flags["ntfy-topic"] ?? process.env.NTFY_TOPIC;
const ntfyUrl = flags["ntfy-url"] ?? process.env.NTFY_BASE_URL;
if (ntfyTopic) ntfy.topic = ntfyTopic;
if (ntfyUrl) ntfy.baseUrl = ntfyUrl;
// Whatever escapes (a store write that fails from a callback on a full disk) stops the server with a line that
// says why, never silently.
process.on("uncaughtException", (error) => {
  console.error(`rez-agent-mcp: stopped: ${error.name}: ${error.message}`);
  process.exit(1);
});

const runtime = await startRuntime({
  dataDir: flags["data-dir"],
  ...(flags["events-file"] ? { eventsFile: flags["events-file"] } : {}),
  ...(flags.courses ? { coursesFile: flags.courses } : {}),
  host: flags.host,
  port,
  upstreams: flags.upstreams,
  ...(flags["no-auth"] ? { auth: "off" as const } : {}),
  secrets,
  ntfy,
  subscribers,
  ...(process.env.REZ_AGENT_MCP_API_KEY ? { apiKey: process.env.REZ_AGENT_MCP_API_KEY } : {}),
  // A testing knob, left out of the usage: the crash sweep restarts past every idempotency window.
  ...(process.env.REZ_AGENT_MCP_IN_PROGRESS_MS
    ? { idempotencyInProgressMs: Number(process.env.REZ_AGENT_MCP_IN_PROGRESS_MS) }
    : {}),
  front: { syncBudgetMs: syncBudget * 1000, confirmBookings: !flags["no-confirm"] },
  log,
  logRequests: true,
}).catch((error: Error) => failToStart(error.message));

const readyMs = Math.round(performance.now() - startedAt);
const key =
  runtime.generatedApiKey ??
  (runtime.keySource === "environment" ? "$REZ_AGENT_MCP_API_KEY" : "<your API key>");
const lines = [
  `rez-agent-mcp ready in ${readyMs} ms (upstreams: ${flags.upstreams}, data: ${flags["data-dir"]})`,
  `Listening on ${runtime.mcpUrl}`,
  `Console: ${runtime.consoleUrl} (sign in with the API key)`,
];
if (runtime.keySource === "none") {
  lines.push("", "Authentication is OFF (--no-auth): anything on this machine can call this server.");
} else if (runtime.generatedApiKey) {
  lines.push(
    "",
    `API key (shown once; stored hashed in ${flags["data-dir"]}/api-keys.json): ${runtime.generatedApiKey}`,
  );
} else if (runtime.keySource === "keys-file") {
  lines.push(
    "",
    `API key: the one printed at first start (stored hashed in ${flags["data-dir"]}/api-keys.json).`,
    "Lost it? Stop, delete that file and start again for a new one, or set REZ_AGENT_MCP_API_KEY.",
  );
}
lines.push(describeGolfers(runtime.golfers.named));
if (runtime.golfers.keysWithoutGolfer > 0) {
  lines.push(
    `${runtime.golfers.keysWithoutGolfer} API key(s) act as no golfer: bind them with npm run keys (docs/golfers.md).`,
  );
}
const { nws, openMeteo, ntfy: ntfySim, golf } = runtime.simulators;
if (flags.upstreams === "simulated") {
  lines.push("", "Simulated upstreams (POST <url>/__sim/fault to make one fail; see docs/tools.md):");
  if (nws) lines.push(`  NWS         ${nws.url}`);
  if (openMeteo) lines.push(`  Open-Meteo  ${openMeteo.url}`);
  if (ntfySim) {
    lines.push(
      `  ntfy        ${ntfySim.url} (pushes print here; poll them: curl -s '${ntfySim.url}/rez-agent-mcp-demo/json?poll=1')`,
    );
  }
  for (const [course, site] of Object.entries(golf)) lines.push(`  CPS Golf    ${site.url} (${course})`);
  lines.push("");
}
lines.push(
  runtime.notifiesBookings
    ? "Push notifications: on (how a booking, a scheduled booking or a watch ends reaches your phone)."
    : "Push notifications: off (set --ntfy-topic or NTFY_TOPIC).",
);
if (runtime.recovered.restarted + runtime.recovered.failed > 0) {
  lines.push(
    `Recovered calls left running by an earlier stop: ${runtime.recovered.restarted} re-run, ${runtime.recovered.failed} marked failed.`,
  );
}
if (runtime.scheduled.length > 0) {
  lines.push(
    "",
    `Scheduled (${runtime.scheduled.length}), resumed: each books at its release only if this machine is awake and this server runs then.`,
    ...runtime.scheduled.map((s) => `  ${s.id} ${s.tool}: ${s.statusMessage}`),
    "For bookings that must not depend on a laptop being awake, deploy to AWS (docs/deploy.md): there the Step Functions execution is the scheduler.",
  );
}
// The JSON alternative to the extension: the bridge run by this same Node 22, whatever node Claude Desktop's PATH finds.
const desktop = {
  mcpServers: {
    "rez-agent-mcp": {
      command: process.execPath,
      args: [fileURLToPath(new URL("../client/bridge.ts", import.meta.url))],
      env: {
        REZ_AGENT_MCP_ENDPOINT: runtime.mcpUrl,
        REZ_AGENT_MCP_API_KEY: runtime.generatedApiKey ?? "<your API key>",
      },
    },
  },
};
lines.push(
  "",
  "Claude Desktop: build the one-click extension with `npm run mcpb` and open dist/rez-agent-mcp.mcpb (endpoint",
  `${runtime.mcpUrl}, the API key above). Or add this to claude_desktop_config.json and restart it (docs/claude-desktop.md):`,
  JSON.stringify(desktop, null, 2),
  "",
  "Try it:",
  `  curl -s ${runtime.mcpUrl} -H "x-api-key: ${key}" -H 'content-type: application/json' \\`,
  "    -H 'accept: application/json, text/event-stream' \\",
  `    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_weather","arguments":{"location":"47.62,-122.35"}}}'`,
  "",
  "Press Ctrl+C to stop.",
);
console.error(lines.join("\n"));
// Shown: from now on only its hash is kept. (A start that failed before this point shows it next time.)
await runtime.keyShown();

stop = async (signal: string) => {
  console.error(`\n${signal}: stopping (running calls get up to 10 s to finish)...`);
  await runtime.stop();
  process.exit(0);
};
if (stopRequested) await stop(stopRequested);
