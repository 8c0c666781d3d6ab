import { checkGolferId, DEFAULT_GOLFER } from "./golfers.ts";
import type { GolfCredentials, Secrets } from "./ports.ts";

/**
 * One golfer's secrets, wherever they are stored (a local file, a Secrets Manager secret):
 *
 * ```json
 * { "ntfyToken": "tk_...", "ntfyTopic": "golf-alerts-7f3k",
 *   "golf": { "default": { "username": "me@example.com", "password": "..." },
 *             "<course id>": { "username": "...", "password": "...", "clientSecret": "..." } } }
 * ```
 */
export interface GolferSecrets {
  ntfyToken?: string;
  /** The golfer's own ntfy topic (a topic works like a password on a public ntfy server). */
  ntfyTopic?: string;
  golf?: Record<string, GolfCredentials>;
}

/**
 * The secrets file: its top level is the default golfer's; `golfers` names the others (golfers.ts), each in the
 * same shape. The default golfer's ntfy token is also every golfer's without one of its own.
 */
export interface SecretsDocument extends GolferSecrets {
  golfers?: Record<string, GolferSecrets>;
}

const GOLFER_FIELDS = ["ntfyToken", "ntfyTopic", "golf"];
/** An ntfy topic as this server accepts it, wherever it is configured (a stage, a golfer's secrets). */
export const NTFY_TOPIC_PATTERN = /^[-_A-Za-z0-9]{1,64}$/;

/** Checks a parsed secrets document; the error names the field, never a value. */
export function parseSecretsDocument(value: unknown): SecretsDocument {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("the secrets must be a JSON object");
  }
  const raw = value as Record<string, unknown>;
  const document: SecretsDocument = parseGolferSecrets(raw, "", ["golfers"]);
  if (raw.golfers !== undefined) {
    if (typeof raw.golfers !== "object" || raw.golfers === null || Array.isArray(raw.golfers)) {
      throw new Error(`"golfers" must be an object`);
    }
    document.golfers = {};
    for (const [id, golfer] of Object.entries(raw.golfers as Record<string, unknown>)) {
      checkGolferId(id, `"golfers"`);
      if (id === DEFAULT_GOLFER) throw new Error(`"golfers.${id}": the default golfer is the top level`);
      if (typeof golfer !== "object" || golfer === null || Array.isArray(golfer)) {
        throw new Error(`"golfers.${id}" must be an object`);
      }
      document.golfers[id] = parseGolferSecrets(golfer as Record<string, unknown>, `golfers.${id}.`);
    }
  }
  return document;
}

/** One golfer's secrets (a secret of its own on AWS, or a part of the secrets file). */
export function parseGolferSecrets(
  raw: Record<string, unknown>,
  prefix = "",
  alsoAllowed: readonly string[] = [],
): GolferSecrets {
  for (const key of Object.keys(raw)) {
    if (!GOLFER_FIELDS.includes(key) && !alsoAllowed.includes(key)) {
      throw new Error(`unknown secrets field "${prefix}${key}"`);
    }
  }
  const secrets: GolferSecrets = {};
  if (raw.ntfyToken !== undefined) {
    if (typeof raw.ntfyToken !== "string" || !raw.ntfyToken)
      throw new Error(`"${prefix}ntfyToken" must be a string`);
    secrets.ntfyToken = raw.ntfyToken;
  }
  if (raw.ntfyTopic !== undefined) {
    if (typeof raw.ntfyTopic !== "string" || !NTFY_TOPIC_PATTERN.test(raw.ntfyTopic)) {
      throw new Error(`"${prefix}ntfyTopic" must be 1-64 letters, digits, - or _`);
    }
    secrets.ntfyTopic = raw.ntfyTopic;
  }
  if (raw.golf !== undefined) {
    if (typeof raw.golf !== "object" || raw.golf === null)
      throw new Error(`"${prefix}golf" must be an object`);
    secrets.golf = {};
    for (const [course, credentials] of Object.entries(raw.golf as Record<string, unknown>)) {
      secrets.golf[course] = parseCredentials(credentials, `${prefix}golf.${course}`);
    }
  }
  return secrets;
}

/** The golfers a secrets document names besides the default one. */
export const namedGolfersOf = (document: SecretsDocument): string[] => Object.keys(document.golfers ?? {});

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

  async #golfer(golfer: string): Promise<{ own?: GolferSecrets; server: SecretsDocument }> {
    const server = await this.#load();
    return { own: golfer === DEFAULT_GOLFER ? server : server.golfers?.[golfer], server };
  }

  async golfCredentials(golfer: string, courseId: string): Promise<GolfCredentials | undefined> {
    return credentialsFor((await this.#golfer(golfer)).own, courseId);
  }

  async ntfyToken(golfer: string): Promise<string | undefined> {
    const { own, server } = await this.#golfer(golfer);
    return own ? (own.ntfyToken ?? server.ntfyToken) : undefined;
  }

  async ntfyTopic(golfer: string): Promise<string | undefined> {
    return (await this.#golfer(golfer)).own?.ntfyTopic;
  }
}

/** A golfer's credentials for a course, or for every course (`default`). */
export function credentialsFor(
  golfer: GolferSecrets | undefined,
  courseId: string,
): GolfCredentials | undefined {
  const golf = golfer?.golf ?? {};
  return golf[courseId] ?? golf.default;
}

/** Merges documents, later ones winning field by field (the environment over a file). */
export function mergeSecrets(...documents: SecretsDocument[]): SecretsDocument {
  const merged: SecretsDocument = {};
  for (const document of documents) {
    if (document.ntfyToken) merged.ntfyToken = document.ntfyToken;
    if (document.ntfyTopic) merged.ntfyTopic = document.ntfyTopic;
    if (document.golf) merged.golf = { ...merged.golf, ...document.golf };
    if (document.golfers) merged.golfers = { ...merged.golfers, ...document.golfers };
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
