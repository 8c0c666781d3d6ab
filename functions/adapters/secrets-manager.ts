import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { DEFAULT_GOLFER } from "../core/golfers.ts";
import type { GolfCredentials, Secrets } from "../core/ports.ts";
import {
  credentialsFor,
  type GolferSecrets,
  parseGolferSecrets,
  parseSecretsDocument,
} from "../core/secrets.ts";

export interface SecretIds {
  /** The secret holding CPS Golf sign-ins: `{ "default": { "username", "password" }, "<course id>": { ... } }`. */
  golf?: string;
  /** The secret holding the ntfy token: `{ "token": "tk_..." }`. */
  ntfy?: string;
  /**
   * Each named golfer's secret is `<golfers><golfer id>`, holding the golfer's `{ golf, ntfyToken, ntfyTopic }`
   * (docs/golfers.md); the default golfer's are the two above.
   */
  golfers?: string;
}

/** How long a secret's value is reused before it is read again (an operator's change shows up within it). */
const CACHE_MS = 5 * 60_000;

/**
 * The secrets port on AWS: two Secrets Manager secrets, so each function can read only the one it needs. Both start
 * as `{}` and are filled by the operator; an empty one means "not configured".
 */
export class SecretsManagerSecrets implements Secrets {
  readonly #client: Pick<SecretsManagerClient, "send">;
  readonly #ids: SecretIds;
  readonly #cache = new Map<string, { at: number; value: unknown }>();
  readonly #now: () => number;

  constructor(client: Pick<SecretsManagerClient, "send">, ids: SecretIds, now: () => number = Date.now) {
    this.#client = client;
    this.#ids = ids;
    this.#now = now;
  }

  async golfCredentials(golfer: string, courseId: string): Promise<GolfCredentials | undefined> {
    if (golfer !== DEFAULT_GOLFER) return credentialsFor(await this.#named(golfer), courseId);
    if (!this.#ids.golf) return undefined;
    return credentialsFor(parseSecretsDocument({ golf: await this.#read(this.#ids.golf) }), courseId);
  }

  async ntfyToken(golfer: string): Promise<string | undefined> {
    if (golfer !== DEFAULT_GOLFER) {
      const own = await this.#named(golfer);
      if (!own) return undefined;
      if (own.ntfyToken) return own.ntfyToken;
    }
    if (!this.#ids.ntfy) return undefined;
    const value = (await this.#read(this.#ids.ntfy)) as { token?: unknown };
    return typeof value.token === "string" && value.token ? value.token : undefined;
  }

  async ntfyTopic(golfer: string): Promise<string | undefined> {
    // The default golfer's topic is the stage's setting (NTFY_TOPIC).
    return golfer === DEFAULT_GOLFER ? undefined : (await this.#named(golfer))?.ntfyTopic;
  }

  /** A named golfer's secrets; undefined when the stack made no secret for that golfer. */
  async #named(golfer: string): Promise<GolferSecrets | undefined> {
    if (!this.#ids.golfers) return undefined;
    const value = await this.#read(`${this.#ids.golfers}${golfer}`, { missing: "undefined" });
    if (value === undefined) return undefined;
    try {
      return parseGolferSecrets(value as Record<string, unknown>);
    } catch (error) {
      throw new Error(`The secret of golfer ${golfer} cannot be used: ${(error as Error).message}`);
    }
  }

  async #read(id: string, options: { missing?: "undefined" } = {}): Promise<unknown> {
    const cached = this.#cache.get(id);
    if (cached && this.#now() - cached.at < CACHE_MS) return cached.value;
    let answer: GetSecretValueCommandOutput;
    try {
      answer = await this.#client.send(new GetSecretValueCommand({ SecretId: id }));
    } catch (error) {
      if (options.missing && (error as Error).name === "ResourceNotFoundException") return undefined;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(answer.SecretString ?? "{}");
    } catch {
      // Never quote the text: it is a secret.
      throw new Error(`The secret ${answer.Name ?? "configured"} is not valid JSON`);
    }
    if (typeof value !== "object" || value === null)
      throw new Error(`The secret ${answer.Name} must hold a JSON object`);
    this.#cache.set(id, { at: this.#now(), value });
    return value;
  }
}
