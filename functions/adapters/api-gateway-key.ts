import { checkGolferId, DEFAULT_GOLFER, golferOfKey } from "../core/golfers.ts";
import type { Authenticator, Principal } from "../core/ports.ts";

/** The header the edge sets to the API key id API Gateway validated; a client's own copy is dropped. */
export const API_KEY_ID_HEADER = "x-rez-api-key-id";

/** Which golfer each of the stack's API keys acts as (the stack writes it into GOLFER_KEYS). */
export interface GolferKey {
  keyId: string;
  golfer: string;
}

/** GOLFER_KEYS: `[{ "keyId": "...", "golfer": "..." }]`, checked. */
export function golferKeysFromEnv(value: string | undefined): GolferKey[] {
  if (!value) return [];
  const parsed = JSON.parse(value) as unknown;
  if (!Array.isArray(parsed)) throw new Error("GOLFER_KEYS must be a JSON array");
  return parsed.map((entry: { keyId?: unknown; golfer?: unknown }) => {
    if (typeof entry?.keyId !== "string" || !entry.keyId)
      throw new Error("GOLFER_KEYS: an entry has no keyId");
    return { keyId: entry.keyId, golfer: checkGolferId(entry.golfer, "GOLFER_KEYS") };
  });
}

/**
 * On AWS, API Gateway checks the key (and its usage plan) before the front runs; the edge passes the key's id on,
 * and it becomes the owner of the caller's records. The key's golfer comes from the stack's bindings (golferOfKey).
 */
export class ApiGatewayKeyAuthenticator implements Authenticator {
  readonly #golferOf: (keyId: string) => string | undefined;

  constructor(bindings: readonly GolferKey[] = []) {
    const named = [...new Set(bindings.map((binding) => binding.golfer))];
    const bound = new Map(bindings.map((binding) => [binding.keyId, binding.golfer]));
    this.#golferOf = (keyId) =>
      golferOfKey(
        bound.get(keyId),
        named.filter((g) => g !== DEFAULT_GOLFER),
      );
  }

  async authenticate(request: Request): Promise<Principal | undefined> {
    const owner = request.headers.get(API_KEY_ID_HEADER);
    if (!owner) return undefined;
    const golfer = this.#golferOf(owner);
    return golfer ? { owner, golfer } : { owner };
  }
}
