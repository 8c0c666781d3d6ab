import { type ChangeSignal, type RequestStore, StoreUnavailable } from "./ports.ts";
import type { RequestRecord } from "./record.ts";
import { isTerminal } from "./status.ts";

export interface WatchOptions {
  /** Wakes the watcher early when the record may have changed (local runtime); otherwise it polls. */
  changeSignal?: ChangeSignal;
  /** Stops waiting when aborted (the client went away). */
  abortSignal?: AbortSignal;
  /** Stops waiting, too, at a record this says is far enough along (a scheduled call that recorded its plan). */
  enough?: (record: RequestRecord) => boolean;
}

/**
 * Without a change signal (on AWS) a standard call is read every FAST_POLL_MS for its first FAST_PHASE_MS, when most
 * calls end, so its answer lags its completion by half that on average; after that the reads back off to 1 s.
 */
export const FAST_POLL_MS = 75;
const FAST_PHASE_MS = 5_000;
const MAX_POLL_MS = 1000;

function delay(ms: number, abortSignal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      abortSignal?.removeEventListener("abort", done);
      resolve();
    }
    abortSignal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Reads the record until it is terminal or `timeoutMs` has passed, and returns the last read
 * (undefined when the record does not exist).
 */
export async function waitForTerminal(
  store: RequestStore,
  id: string,
  timeoutMs: number,
  options: WatchOptions = {},
): Promise<RequestRecord | undefined> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let pollMs = FAST_POLL_MS;
  let last: RequestRecord | undefined;
  for (;;) {
    // Listen before reading: a write that lands between the read and the wait still wakes it.
    const changed = options.changeSignal?.(id, Math.min(Math.max(deadline - Date.now(), 0), MAX_POLL_MS));
    let unavailable: StoreUnavailable | undefined;
    try {
      last = await store.get(id);
      if (!last || isTerminal(last.status) || options.enough?.(last)) return last;
    } catch (error) {
      // The store away for a moment is no news: keep the last read and try again until the deadline.
      if (!(error instanceof StoreUnavailable)) throw error;
      unavailable = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0 || options.abortSignal?.aborted) {
      if (unavailable && !last) throw unavailable;
      return last;
    }
    if (changed && !unavailable) {
      // The signal is only a hint: a write it missed is still found by the next read, at most MAX_POLL_MS later.
      await changed;
    } else {
      await delay(Math.min(remaining, pollMs), options.abortSignal);
      if (Date.now() - started >= FAST_PHASE_MS) pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }
}

/** The promise's value, or undefined once `ms` have passed or the signal aborted. */
export async function untilBudget<T>(
  promise: Promise<T>,
  ms: number,
  signal?: AbortSignal,
): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
    onAbort = () => resolve(undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}
