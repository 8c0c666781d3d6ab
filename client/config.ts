import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { isLoopback } from "../functions/core/loopback.ts";

/** The bridge's settings, read once at start. */
export interface BridgeConfig {
  /** The MCP endpoint, e.g. http://127.0.0.1:3000/mcp */
  endpoint: URL;
  apiKey: string;
  /** How long a tools/call may wait for its result before the bridge answers "still running". */
  answerDeadlineMs: number;
  /** How often a waiting call sends a progress notification (when the caller asked for them). */
  progressIntervalMs: number;
  /** Where the settings came from, for messages. */
  source: string;
}

/** A configuration the bridge cannot run with; the message is the one line shown to the person. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export const DEFAULTS = { answerDeadlineSeconds: 45, progressIntervalSeconds: 5 } as const;

const FILE_KEYS = ["endpoint", "apiKey", "answerDeadlineSeconds", "progressIntervalSeconds"] as const;
type FileSettings = Partial<Record<(typeof FILE_KEYS)[number], unknown>>;

/** ~/.config/rez-agent-mcp/config.json, or $XDG_CONFIG_HOME/..., or the file REZ_AGENT_MCP_CONFIG names. */
export function configPath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  if (env.REZ_AGENT_MCP_CONFIG) return env.REZ_AGENT_MCP_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "rez-agent-mcp", "config.json");
}

async function readSettings(file: string): Promise<FileSettings | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch {
    throw new ConfigError(`${file} is not valid JSON`);
  }
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    throw new ConfigError(`${file} must hold a JSON object such as {"endpoint": "...", "apiKey": "..."}`);
  }
  for (const key of Object.keys(settings)) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(`${file}: unknown setting "${key}" (known: ${FILE_KEYS.join(", ")})`);
    }
  }
  const parsed = settings as FileSettings;
  if (parsed.apiKey !== undefined && process.platform !== "win32") {
    const mode = (await stat(file)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigError(
        `${file} holds an API key but other users can read it (mode ${mode.toString(8).padStart(4, "0")}); run: chmod 600 ${file}`,
      );
    }
  }
  return parsed;
}

function seconds(value: unknown, name: string, min: number, max: number): number {
  const number = typeof value === "string" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number) || number < min || number > max) {
    throw new ConfigError(`${name} must be a number of seconds from ${min} to ${max}`);
  }
  return number * 1000;
}

function endpointOf(value: unknown, where: string): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ConfigError(`${where} must be the server's MCP URL, such as http://127.0.0.1:3000/mcp`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    // The API key travels in a header: never in clear text over a network.
    throw new ConfigError(
      `${where} must use https (plain http only for 127.0.0.1 or localhost): ${url.origin}`,
    );
  }
  return url;
}

/**
 * The bridge's configuration: the config file, overridden by REZ_AGENT_MCP_ENDPOINT and REZ_AGENT_MCP_API_KEY
 * (and REZ_AGENT_MCP_ANSWER_DEADLINE, in seconds). A file holding a key must be readable by its owner only.
 */
export async function loadBridgeConfig(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): Promise<BridgeConfig> {
  const file = configPath(env, home);
  const settings = (await readSettings(file)) ?? {};
  const endpoint = env.REZ_AGENT_MCP_ENDPOINT || settings.endpoint;
  const apiKey = env.REZ_AGENT_MCP_API_KEY || settings.apiKey;
  if (!endpoint || !apiKey) {
    const missing = [!endpoint && "endpoint", !apiKey && "apiKey"].filter(Boolean).join(" and ");
    throw new ConfigError(
      `no ${missing} configured: write ${file} ({"endpoint": "http://127.0.0.1:3000/mcp", "apiKey": "..."}, mode 600) ` +
        "or set REZ_AGENT_MCP_ENDPOINT and REZ_AGENT_MCP_API_KEY",
    );
  }
  if (typeof apiKey !== "string") throw new ConfigError(`${file}: "apiKey" must be a string`);
  return {
    endpoint: endpointOf(
      endpoint,
      env.REZ_AGENT_MCP_ENDPOINT ? "REZ_AGENT_MCP_ENDPOINT" : `"endpoint" in ${file}`,
    ),
    apiKey,
    answerDeadlineMs: seconds(
      env.REZ_AGENT_MCP_ANSWER_DEADLINE ?? settings.answerDeadlineSeconds ?? DEFAULTS.answerDeadlineSeconds,
      "answerDeadlineSeconds",
      1,
      600,
    ),
    progressIntervalMs: seconds(
      settings.progressIntervalSeconds ?? DEFAULTS.progressIntervalSeconds,
      "progressIntervalSeconds",
      0.1,
      60,
    ),
    source: env.REZ_AGENT_MCP_ENDPOINT && env.REZ_AGENT_MCP_API_KEY ? "the environment" : file,
  };
}
