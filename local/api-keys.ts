import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { checkGolferId, DEFAULT_GOLFER, golferOfKey } from "../functions/core/golfers.ts";
import type { Authenticator, Principal } from "../functions/core/ports.ts";

export interface StoredKey {
  /** The owner id records are scoped to. */
  id: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  sha256: string;
  createdAt: string;
  /** The golfer the key acts as (functions/core/golfers.ts); unset: the default golfer while no golfer is named. */
  golfer?: string;
}

function hash(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** The owner id of a key: stable for the same key, so records stay visible across restarts. */
function ownerOf(digest: Buffer): string {
  return `key-${digest.toString("hex").slice(0, 12)}`;
}

/** A key as the keys file keeps it: its hash, never itself; bound to `golfer` when given. */
function storedKeyOf(key: string, golfer?: string): StoredKey {
  const digest = hash(key);
  const stored: StoredKey = {
    id: ownerOf(digest),
    sha256: digest.toString("hex"),
    createdAt: new Date().toISOString(),
  };
  if (golfer !== undefined) stored.golfer = golfer;
  return stored;
}

/** A new random key. */
const newKey = () => `rez_${randomBytes(32).toString("base64url")}`;

/** Writes the keys file (the owner's alone). */
const writeKeys = (keysFile: string, keys: readonly StoredKey[]) =>
  writeFile(keysFile, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });

/** Checks `x-api-key` against hashed keys, in constant time; a key acts as its golfer (golferOfKey). */
export class HashedKeyAuthenticator implements Authenticator {
  readonly #keys: { principal: Principal; digest: Buffer }[];

  /** `namedGolfers`: the golfers the secrets name besides the default one. */
  constructor(keys: readonly StoredKey[], namedGolfers: readonly string[] = []) {
    this.#keys = keys.map((key) => {
      const golfer = golferOfKey(key.golfer, namedGolfers);
      return {
        principal: { owner: key.id, ...(golfer ? { golfer } : {}) },
        digest: Buffer.from(key.sha256, "hex"),
      };
    });
  }

  /** How many keys act as no golfer (the start banner says so). */
  get keysWithoutGolfer(): number {
    return this.#keys.filter((key) => key.principal.golfer === undefined).length;
  }

  async authenticate(request: Request): Promise<Principal | undefined> {
    const presented = request.headers.get("x-api-key");
    if (!presented) return undefined;
    const digest = hash(presented);
    let principal: Principal | undefined;
    // Every key is compared, matched or not, so timing says nothing about which one matched.
    for (const key of this.#keys) {
      if (timingSafeEqual(key.digest, digest)) principal = key.principal;
    }
    return principal;
  }
}

export interface LocalKeys {
  authenticator: HashedKeyAuthenticator;
  /** Set while the generated key has not been shown: printed at start until a start has shown it. */
  generatedKey?: string;
  /** Where it came from, for the start banner. */
  source: "environment" | "generated" | "keys-file";
  /** Forgets the generated key once it has been shown (only its hash stays). */
  markShown(): Promise<void>;
}

/** The generated key, until a start has shown it: a first start that fails after making it must not lose it. */
const unshownFileOf = (keysFile: string) => `${keysFile.replace(/\.json$/, "")}.unshown`;

/**
 * The local API key: REZ_AGENT_MCP_API_KEY when given; otherwise the keys file of the data folder, created with a
 * new random key on first start.
 */
export async function loadLocalKeys(
  keysFile: string,
  fromEnvironment: string | undefined,
  namedGolfers: readonly string[] = [],
): Promise<LocalKeys> {
  const unshownFile = unshownFileOf(keysFile);
  const markShown = () => rm(unshownFile, { force: true });
  if (fromEnvironment) {
    // The environment's key is the operator's own: it acts as the default golfer whatever else is named.
    const key = storedKeyOf(fromEnvironment, DEFAULT_GOLFER);
    return {
      authenticator: new HashedKeyAuthenticator([key], namedGolfers),
      source: "environment",
      markShown: async () => {},
    };
  }
  const stored = await readKeys(keysFile);
  if (stored.length > 0) {
    const unshown = (await readFile(unshownFile, "utf8").catch(() => "")).trim();
    const authenticator = new HashedKeyAuthenticator(stored, namedGolfers);
    if (unshown) return { authenticator, generatedKey: unshown, source: "generated", markShown };
    return { authenticator, source: "keys-file", markShown };
  }
  const generatedKey = newKey();
  const key = storedKeyOf(generatedKey);
  // Written before the hash, so there is never a key nobody can be shown; removed once a start has shown it.
  await writeFile(unshownFile, `${generatedKey}\n`, { mode: 0o600 });
  await writeKeys(keysFile, [key]);
  return {
    authenticator: new HashedKeyAuthenticator([key], namedGolfers),
    generatedKey,
    source: "generated",
    markShown,
  };
}

export async function readKeys(file: string): Promise<StoredKey[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const keys = (JSON.parse(text) as { keys?: StoredKey[] }).keys ?? [];
  for (const key of keys) {
    if (!/^[0-9a-f]{64}$/.test(key.sha256)) throw new Error(`${file}: key ${key.id} has no valid sha256`);
    if (key.golfer !== undefined) checkGolferId(key.golfer, `${file}: key ${key.id}`);
  }
  return keys;
}

/** A new key, stored hashed in the keys file beside the others and bound to `golfer` when given; returns it once. */
export async function addKey(
  keysFile: string,
  golfer: string | undefined,
): Promise<{ key: string; id: string }> {
  if (golfer !== undefined) checkGolferId(golfer, "--golfer");
  const stored = await readKeys(keysFile);
  const key = newKey();
  const entry = storedKeyOf(key, golfer);
  await writeKeys(keysFile, [...stored, entry]);
  return { key, id: entry.id };
}
