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
/**
 * With a change signal every write wakes the watcher, so the record is read again only when written, and every
 * SIGNALLED_REREAD_MS in case a write went unsignalled: idle long polls cost the store almost nothing.
 */
const SIGNALLED_REREAD_MS = 5_000;
/**
 * A read still unanswered this long after the deadline is not waited for: the watcher answers with what it last read.
 * A wait then ends by its deadline plus this, whatever the store's queue (API Gateway cuts a request at 29 s).
 */
export const READ_GRACE_MS = 1_000;

/** Waits `ms`, or less if the signal aborts. */
async function delay(ms: number, abortSignal?: AbortSignal): Promise<void> {
  await settledWithin(NEVER, { ms, signal: abortSignal });
}

const NEVER = new Promise<never>(() => {});

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
  let read = false;
  for (;;) {
    // Listen before reading: a write that lands between the read and the wait still wakes it.
    const changed = options.changeSignal?.(
      id,
      Math.min(Math.max(deadline - Date.now(), 0), SIGNALLED_REREAD_MS),
    );
    let unavailable: StoreUnavailable | undefined;
    try {
      const answer = await settledWithin(store.get(id), { ms: deadline + READ_GRACE_MS - Date.now() });
      if (answer === NO_ANSWER) {
        if (!read) throw new StoreUnavailable(`no answer for ${id} within the wait`);
        return last;
      }
      last = answer;
      read = true;
      if (!last || isTerminal(last.status) || options.enough?.(last)) return last;
    } catch (error) {
      // The store away for a moment is no news: keep the last read and try again until the deadline.
      if (!(error instanceof StoreUnavailable)) throw error;
      unavailable = error;
    }
    if (deadline - Date.now() <= 0 || options.abortSignal?.aborted) {
      if (unavailable && !read) throw unavailable;
      return last;
    }
    if (changed && !unavailable) {
      // Unwritten until the deadline: the last read is still the record, with no need to read it again.
      const written = await settledWithin(changed, { signal: options.abortSignal });
      if (written !== true && deadline - Date.now() <= 0) return last;
    } else {
      await delay(Math.min(deadline - Date.now(), pollMs), options.abortSignal);
      if (Date.now() - started >= FAST_PHASE_MS) pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }
}

const NO_ANSWER = Symbol("no answer");

/**
 * The promise's value, or NO_ANSWER once `ms` have passed (when given) or the signal aborted (at once if it
 * already had). A sentinel, not undefined: the value itself may be undefined (a record not found).
 */
async function settledWithin<T>(
  promise: Promise<T>,
  until: { ms?: number; signal?: AbortSignal | undefined },
): Promise<T | typeof NO_ANSWER> {
  const { ms, signal } = until;
  if (signal?.aborted) return NO_ANSWER;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<typeof NO_ANSWER>((resolve) => {
    if (ms !== undefined) timer = setTimeout(resolve, Math.max(ms, 0), NO_ANSWER);
    onAbort = () => resolve(NO_ANSWER);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/** The promise's value, or undefined once `ms` have passed or the signal aborted. */
export async function untilBudget<T>(
  promise: Promise<T>,
  ms: number,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const answer = await settledWithin(promise, { ms, signal });
  return answer === NO_ANSWER ? undefined : answer;
}
