import { rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type RequestStore, StoreUnavailable } from "../functions/core/ports.ts";

/** What a client reads while the disk is full: retryable, and honest that nothing was done. */
export const DISK_FULL_MESSAGE =
  "The server's disk is full, so it cannot record a new call; nothing was done. Try again in a few minutes.";

/** Room a probe write must find before the store is reopened: a LevelDB log record and a memtable flush or two. */
const PROBE_BYTES = 256 * 1024;

/**
 * dynalite throws a LevelDB write error from a callback, which ends the process and leaves the request unanswered.
 * Its own errors carry `statusCode` and `body` and are answered; so every write error of the LevelDB class it uses
 * is given a 500 InternalServerError (which the SDK retries, then the store adapter calls StoreUnavailable), and
 * reported to the listener of that store's location. Installed once per process, before dynalite opens a store;
 * returns a function that removes the listener.
 */
export function onStoreWriteError(location: string, listener: (error: Error) => void): () => void {
  writeErrorListeners.set(location, listener);
  installAnswers();
  return () => {
    if (writeErrorListeners.get(location) === listener) writeErrorListeners.delete(location);
  };
}

function installAnswers(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const level = require(require.resolve("level", { paths: [dirname(require.resolve("dynalite"))] })) as {
    Level: { prototype: Record<string, (...args: unknown[]) => unknown> };
  };
  const prototype = level.Level.prototype;
  for (const method of ["put", "del", "batch"]) {
    const original = prototype[method] as (...args: unknown[]) => unknown;
    prototype[method] = function (this: { location?: string }, ...args: unknown[]) {
      const result = original.apply(this, args);
      if (!(result instanceof Promise)) return result; // batch() without operations: a chained batch
      return result.catch((error: Error & { statusCode?: number; body?: unknown; code?: string }) => {
        // A store being closed (a pause, a reopen) is dynalite's own business, not the disk's.
        if (error.statusCode === undefined && error.code !== "LEVEL_DATABASE_NOT_OPEN") {
          error.statusCode = 500;
          error.body = {
            __type: "com.amazonaws.dynamodb.v20120810#InternalServerError",
            message: error.message,
          };
          if (this.location !== undefined) writeErrorListeners.get(this.location)?.(error);
        }
        throw error;
      });
    };
  }
}

let installed = false;
/** By the store's location (its LevelDB folder): several runtimes may share a process (tests). */
const writeErrorListeners = new Map<string, (error: Error) => void>();

/**
 * The store's health on this machine's disk. A write that fails for want of space makes it `full`: new calls are
 * refused with DISK_FULL_MESSAGE (reads, status and calls already running go on), the operator is told once, and a
 * probe write is tried every `probeEveryMs`. Once one succeeds the store is reopened (LevelDB keeps refusing writes
 * after a failed one until it is) and the operator is told it takes calls again.
 */
export class StoreHealth {
  readonly #dataDir: string;
  readonly #log: (line: string) => void;
  readonly #reopen: () => Promise<void>;
  readonly #probeEveryMs: number;
  #full = false;
  #probing: ReturnType<typeof setInterval> | undefined;

  constructor(options: {
    dataDir: string;
    log: (line: string) => void;
    /** Reopens the store; then settles what ended while it could not write (their outcomes wait in the workflow). */
    reopen: () => Promise<void>;
    probeEveryMs?: number;
  }) {
    this.#dataDir = options.dataDir;
    this.#log = options.log;
    this.#reopen = options.reopen;
    this.#probeEveryMs = options.probeEveryMs ?? 2_000;
  }

  get full(): boolean {
    return this.#full;
  }

  /** A write the store could not make. */
  writeFailed(error: Error): void {
    if (this.#full) return;
    this.#full = true;
    this.#log(
      `error: the store cannot write to ${this.#dataDir} (${error.message}): new calls are refused until there is ` +
        "room again; reads, status and the calls already running go on, and it resumes by itself",
    );
    this.#probing = setInterval(() => void this.#probe(), this.#probeEveryMs);
    this.#probing.unref();
  }

  async #probe(): Promise<void> {
    const file = join(this.#dataDir, ".space-probe");
    try {
      await writeFile(file, Buffer.alloc(PROBE_BYTES), { flush: true });
    } catch {
      return;
    } finally {
      await rm(file, { force: true });
    }
    clearInterval(this.#probing);
    this.#probing = undefined;
    try {
      await this.#reopen();
      this.#full = false;
      this.#log(`the store can write to ${this.#dataDir} again: new calls are accepted`);
    } catch (error) {
      this.#log(`error: the store could not be reopened: ${(error as Error).message}; trying again`);
      this.#probing = setInterval(() => void this.#probe(), this.#probeEveryMs);
      this.#probing.unref();
    }
  }

  /** The store, refusing new calls while the disk is full (a new call's first write is its record). */
  guard(store: RequestStore): RequestStore {
    const refuse = () => new StoreUnavailable("the disk is full", DISK_FULL_MESSAGE);
    return overriding(store, {
      create: async (record) => {
        if (this.#full) throw refuse();
        try {
          return await store.create(record);
        } catch (error) {
          if (this.#full && error instanceof StoreUnavailable) throw refuse();
          throw error;
        }
      },
    });
  }

  stop(): void {
    clearInterval(this.#probing);
  }
}

/** The store with some methods replaced, the rest its own (bound to it: a class's private fields need their `this`). */
function overriding(store: RequestStore, overrides: Partial<RequestStore>): RequestStore {
  return new Proxy(store, {
    get(target, key) {
      const own = overrides[key as keyof RequestStore];
      if (own) return own;
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
