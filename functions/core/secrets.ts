import type { GolfCredentials, Secrets } from "./ports.ts";

/**
 * The one shape secrets are kept in, wherever they are stored (a local file, a Secrets Manager secret):
 *
 * ```json
 * { "ntfyToken": "tk_...",
 *   "golf": { "default": { "username": "me@example.com", "password": "..." },
 *             "<course id>": { "username": "...", "password": "...", "clientSecret": "..." } } }
 * ```
 */
export interface SecretsDocument {
  ntfyToken?: string;
  golf?: Record<string, GolfCredentials>;
}

/** Checks a parsed secrets document; the error names the field, never a value. */
export function parseSecretsDocument(value: unknown): SecretsDocument {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("the secrets must be a JSON object");
  }
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (key !== "ntfyToken" && key !== "golf") throw new Error(`unknown secrets field "${key}"`);
  }
  const document: SecretsDocument = {};
  if (raw.ntfyToken !== undefined) {
    if (typeof raw.ntfyToken !== "string" || !raw.ntfyToken) throw new Error(`"ntfyToken" must be a string`);
    document.ntfyToken = raw.ntfyToken;
  }
  if (raw.golf !== undefined) {
    if (typeof raw.golf !== "object" || raw.golf === null) throw new Error(`"golf" must be an object`);
    document.golf = {};
    for (const [course, credentials] of Object.entries(raw.golf as Record<string, unknown>)) {
      document.golf[course] = parseCredentials(credentials, `golf.${course}`);
    }
  }
  return document;
}

function parseCredentials(value: unknown, where: string): GolfCredentials {
  const raw = (value ?? {}) as Record<string, unknown>;
  for (const key of ["username", "password"] as const) {
    if (typeof raw[key] !== "string" || !raw[key]) throw new Error(`"${where}.${key}" must be a string`);
  }
  if (raw.clientSecret !== undefined && typeof raw.clientSecret !== "string") {
    throw new Error(`"${where}.clientSecret" must be a string`);
  }
  const credentials: GolfCredentials = { username: raw.username as string, password: raw.password as string };
  if (raw.clientSecret) credentials.clientSecret = raw.clientSecret as string;
  return credentials;
}

/** Secrets read from a document loaded once (locally) or fetched on demand (a loader, on AWS). */
export class DocumentSecrets implements Secrets {
  readonly #load: () => Promise<SecretsDocument>;

  constructor(source: SecretsDocument | (() => Promise<SecretsDocument>)) {
    this.#load = typeof source === "function" ? source : async () => source;
  }

  async golfCredentials(courseId: string): Promise<GolfCredentials | undefined> {
    const golf = (await this.#load()).golf ?? {};
    return golf[courseId] ?? golf.default;
  }

  async ntfyToken(): Promise<string | undefined> {
    return (await this.#load()).ntfyToken;
  }
}

/** Merges documents, later ones winning field by field (the environment over a file). */
export function mergeSecrets(...documents: SecretsDocument[]): SecretsDocument {
  const merged: SecretsDocument = {};
  for (const document of documents) {
    if (document.ntfyToken) merged.ntfyToken = document.ntfyToken;
    if (document.golf) merged.golf = { ...merged.golf, ...document.golf };
  }
  return merged;
}

/**
 * The secrets the environment holds: NTFY_TOKEN, and CPS_GOLF_USERNAME / CPS_GOLF_PASSWORD /
 * CPS_GOLF_CLIENT_SECRET as every course's default credentials.
 */
export function secretsFromEnvironment(env: Readonly<Record<string, string | undefined>>): SecretsDocument {
  const document: SecretsDocument = {};
  if (env.NTFY_TOKEN) document.ntfyToken = env.NTFY_TOKEN;
  if (env.CPS_GOLF_USERNAME || env.CPS_GOLF_PASSWORD) {
    if (!env.CPS_GOLF_USERNAME || !env.CPS_GOLF_PASSWORD) {
      throw new Error("CPS_GOLF_USERNAME and CPS_GOLF_PASSWORD must be set together");
    }
    const credentials: GolfCredentials = { username: env.CPS_GOLF_USERNAME, password: env.CPS_GOLF_PASSWORD };
    if (env.CPS_GOLF_CLIENT_SECRET) credentials.clientSecret = env.CPS_GOLF_CLIENT_SECRET;
    document.golf = { default: credentials };
  }
  return document;
}
