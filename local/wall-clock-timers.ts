/**
 * Long timers that keep to the wall clock. Node's setTimeout fires at once past 2^31-1 ms (24.8 days), and its clock
 * stops while a laptop sleeps, so a Wait state of the ASL runner (which sleeps with the global setTimeout, and times
 * Task states with it too) would fire weeks early, or late by however long the lid was shut. A long timer here is a
 * chain of short ones, each re-reading the wall clock, so it ends at its instant whatever happened in between: a
 * release 40 days out, a suspended machine, a clock moved forward.
 */

/** Node's largest delay; anything longer fires at once. */
export const NODE_MAX_DELAY_MS = 2 ** 31 - 1;

/** A timer longer than this re-reads the wall clock at least this often. */
export const WALL_CLOCK_CHUNK_MS = 60_000;

type Callback = (...args: unknown[]) => void;
type NativeSetTimeout = typeof globalThis.setTimeout;
type NativeClearTimeout = typeof globalThis.clearTimeout;

export interface WallClockOptions {
  /** The wall clock (default Date.now). */
  now?: () => number;
  /** How often a long timer re-reads it. */
  chunkMs?: number;
}

/**
 * A timer that fires once `ms` of wall-clock time have passed, however long that is. It behaves as Node's Timeout
 * does for the parts callers use: ref/unref/hasRef, refresh, close, and a primitive id clearTimeout accepts.
 */
export class WallClockTimeout {
  static #nextId = 1;
  /** Ids handed out as the timer's primitive value, so clearTimeout(id) finds the timer. */
  static readonly byId = new Map<number, WallClockTimeout>();
  readonly #id = WallClockTimeout.#nextId++;
  readonly #callback: Callback;
  readonly #args: unknown[];
  readonly #ms: number;
  readonly #now: () => number;
  readonly #chunkMs: number;
  readonly #setTimeout: NativeSetTimeout;
  readonly #clearTimeout: NativeClearTimeout;
  #deadline: number;
  #timer: ReturnType<NativeSetTimeout> | undefined;
  #referenced = true;

  constructor(
    callback: Callback,
    ms: number,
    args: unknown[],
    options: WallClockOptions & { setTimeout?: NativeSetTimeout; clearTimeout?: NativeClearTimeout } = {},
  ) {
    this.#callback = callback;
    this.#args = args;
    this.#ms = ms;
    this.#now = options.now ?? Date.now;
    this.#chunkMs = options.chunkMs ?? WALL_CLOCK_CHUNK_MS;
    this.#setTimeout = options.setTimeout ?? globalThis.setTimeout;
    this.#clearTimeout = options.clearTimeout ?? globalThis.clearTimeout;
    this.#deadline = this.#now() + ms;
    WallClockTimeout.byId.set(this.#id, this);
    this.#arm();
  }

  #arm(): void {
    const left = this.#deadline - this.#now();
    if (left <= 0) {
      this.#timer = undefined;
      WallClockTimeout.byId.delete(this.#id);
      this.#callback(...this.#args);
      return;
    }
    this.#timer = this.#setTimeout(() => this.#arm(), Math.min(left, this.#chunkMs));
    if (!this.#referenced) this.#timer.unref?.();
  }

  /** Whether it is still waiting. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  ref(): this {
    this.#referenced = true;
    this.#timer?.ref?.();
    return this;
  }

  unref(): this {
    this.#referenced = false;
    this.#timer?.unref?.();
    return this;
  }

  hasRef(): boolean {
    return this.#referenced;
  }

  refresh(): this {
    this.close();
    this.#deadline = this.#now() + this.#ms;
    WallClockTimeout.byId.set(this.#id, this);
    this.#arm();
    return this;
  }

  close(): this {
    if (this.#timer !== undefined) this.#clearTimeout(this.#timer);
    this.#timer = undefined;
    WallClockTimeout.byId.delete(this.#id);
    return this;
  }

  [Symbol.toPrimitive](): number {
    return this.#id;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

let installed = false;

/**
 * Makes the process's global setTimeout keep long timers to the wall clock (delays over WALL_CLOCK_CHUNK_MS);
 * shorter ones stay Node's own. Idempotent. The local runtime calls it before it runs a state machine.
 */
export function installWallClockTimers(): void {
  if (installed) return;
  installed = true;
  const nativeSetTimeout = globalThis.setTimeout;
  const nativeClearTimeout = globalThis.clearTimeout;
  const native = { setTimeout: nativeSetTimeout, clearTimeout: nativeClearTimeout };
  const patchedSetTimeout = (callback: unknown, ms?: number, ...args: unknown[]) => {
    if (typeof callback === "function" && typeof ms === "number" && ms > WALL_CLOCK_CHUNK_MS) {
      return new WallClockTimeout(callback as Callback, ms, args, native);
    }
    return nativeSetTimeout(callback as Callback, ms, ...args);
  };
  const patchedClearTimeout = (timer: unknown) => {
    const long =
      timer instanceof WallClockTimeout
        ? timer
        : typeof timer === "number"
          ? WallClockTimeout.byId.get(timer)
          : undefined;
    if (long) long.close();
    else nativeClearTimeout(timer as Parameters<NativeClearTimeout>[0]);
  };
  // util.promisify(setTimeout) keeps working: it reads this symbol.
  Object.defineProperties(patchedSetTimeout, Object.getOwnPropertyDescriptors(nativeSetTimeout));
  globalThis.setTimeout = patchedSetTimeout as unknown as NativeSetTimeout;
  globalThis.clearTimeout = patchedClearTimeout as NativeClearTimeout;
}
