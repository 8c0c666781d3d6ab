import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type Runtime, type RuntimeOptions, startRuntime } from "../../local/runtime.ts";
import { DEMO_GOLFER } from "../../local/simulators/cps-golf.ts";

export const KEY = "test-key-alice-0123456789";
export const OTHER_KEY = "test-key-bob-9876543210";
/** A third key, never bound to a golfer. */
export const UNBOUND_KEY = "test-key-carol-5555555555";

/** Which golfer the test keys act as (by owner id: alice, bob). Unbound when not given. */
export type KeyGolfers = Partial<Record<"alice" | "bob", string>>;

/** Writes a keys file holding the test keys, hashed as the runtime stores them. */
async function writeKeys(dataDir: string, golfers: KeyGolfers) {
  const entry = (key: string, id: string) => ({
    id,
    sha256: createHash("sha256").update(key).digest("hex"),
    createdAt: new Date().toISOString(),
    ...(golfers[id as keyof KeyGolfers] ? { golfer: golfers[id as keyof KeyGolfers] } : {}),
  });
  await writeFile(
    join(dataDir, "api-keys.json"),
    JSON.stringify({ keys: [entry(KEY, "alice"), entry(OTHER_KEY, "bob"), entry(UNBOUND_KEY, "carol")] }),
    { mode: 0o600 },
  );
}

export interface Harness {
  runtime: Runtime;
  dataDir: string;
  /** Restarts the runtime on the same data folder. */
  restart(options?: Partial<RuntimeOptions>): Promise<Runtime>;
  close(): Promise<void>;
}

/** A runtime on a free loopback port, with simulated upstreams, fast retries and a fresh data folder. */
export async function startHarness(
  options: Partial<RuntimeOptions> = {},
  keyGolfers: KeyGolfers = {},
): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), "rez-agent-mcp-test-"));
  await writeKeys(dataDir, keyGolfers);
  const base: RuntimeOptions = {
    dataDir,
    host: "127.0.0.1",
    port: 0,
    upstreams: "simulated",
    retryDelayMs: 5,
    graceMs: 2_000,
    upstreamCacheMs: 0,
    upstreamTimeoutMs: 3_000,
    log: () => {},
    ...options,
  };
  const harness: Harness = {
    runtime: await startRuntime(base),
    dataDir,
    async restart(more = {}) {
      await harness.runtime.stop();
      harness.runtime = await startRuntime({ ...base, ...more });
      return harness.runtime;
    },
    async close() {
      await harness.runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** POSTs a JSON-RPC body (an object, or raw text) to /mcp with the test key. */
export function post(runtime: Runtime, body: unknown, headers: Record<string, string> = {}) {
  return fetch(runtime.mcpUrl, {
    method: "POST",
    headers: { ...MCP_HEADERS, "x-api-key": KEY, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function callTool(
  runtime: Runtime,
  name: string,
  args: unknown,
  headers: Record<string, string> = {},
) {
  return post(
    runtime,
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } },
    headers,
  );
}

export async function connectClient(runtime: Runtime, key = KEY): Promise<Client> {
  const client = new Client({ name: "rez-agent-mcp-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(runtime.mcpUrl), {
    requestInit: { headers: { "x-api-key": key } },
  });
  await client.connect(transport);
  return client;
}

/** Parsed lines of the events file. */
export async function readEvents(
  runtime: Runtime,
): Promise<{ "detail-type": string; detail: Record<string, unknown> }[]> {
  await runtime.bus.flush();
  const text = await readFile(runtime.eventsFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

export function getStatus(runtime: Runtime, id: string, query = "", key = KEY) {
  return fetch(`${runtime.mcpUrl}/status/${id}${query}`, { headers: { "x-api-key": key } });
}

/** A stack trace line, as Node prints them. */
export const STACK_TRACE = /\bat .+:\d+:\d+\)?/;

/**
 * The secrets a harness's runtime holds (the test keys, the simulated golfer's password, the confirmation key),
 * each with the encodings a leak could take, none of which `text` may contain.
 */
export async function leakedSecrets(harness: Harness, text: string): Promise<string[]> {
  const confirmation = (await readFile(join(harness.dataDir, "confirmation.key"), "utf8")).trim();
  const secrets = [KEY, OTHER_KEY, UNBOUND_KEY, DEMO_GOLFER.password, confirmation];
  return secrets.flatMap((secret) =>
    [secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")].filter((form) =>
      text.includes(form),
    ),
  );
}
