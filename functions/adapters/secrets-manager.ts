import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { GolfCredentials, Secrets } from "../core/ports.ts";
import { parseSecretsDocument, type SecretsDocument } from "../core/secrets.ts";

export interface SecretIds {
  /** The secret holding CPS Golf sign-ins: `{ "default": { "username", "password" }, "<course id>": { ... } }`. */
  golf?: string;
  /** The secret holding the ntfy token: `{ "token": "tk_..." }`. */
  ntfy?: string;
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

  async golfCredentials(courseId: string): Promise<GolfCredentials | undefined> {
    if (!this.#ids.golf) return undefined;
    const document: SecretsDocument = parseSecretsDocument({ golf: await this.#read(this.#ids.golf) });
    return document.golf?.[courseId] ?? document.golf?.default;
  }

  async ntfyToken(): Promise<string | undefined> {
    if (!this.#ids.ntfy) return undefined;
    const value = (await this.#read(this.#ids.ntfy)) as { token?: unknown };
    return typeof value.token === "string" && value.token ? value.token : undefined;
  }

  async #read(id: string): Promise<unknown> {
    const cached = this.#cache.get(id);
    if (cached && this.#now() - cached.at < CACHE_MS) return cached.value;
    const answer = await this.#client.send(new GetSecretValueCommand({ SecretId: id }));
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
