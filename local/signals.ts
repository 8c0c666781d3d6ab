import type { ChangeSignal, RequestStore } from "../functions/core/ports.ts";

/** Wakes requests waiting on a record when something writes it, so a finished call answers at once. */
export class RecordSignals {
  readonly #waiters = new Map<string, Set<(written: boolean) => void>>();
  readonly #reads = new Map<string, ReturnType<RequestStore["get"]>>();

  notify(id: string): void {
    // A read issued before this write may be stale: later readers must not join it.
    this.#reads.delete(id);
    const waiters = this.#waiters.get(id);
    if (!waiters) return;
    this.#waiters.delete(id);
    for (const wake of waiters) wake(true);
  }

  readonly wait: ChangeSignal = (id, timeoutMs) =>
    new Promise<boolean>((resolve) => {
      const waiters = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, waiters);
      const wake = (written: boolean) => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(id) === waiters) this.#waiters.delete(id);
        resolve(written);
      };
      // A watcher that stopped caring leaves its wait to time out; that must not keep the process alive.
      const timer = setTimeout(wake, timeoutMs, false).unref();
      waiters.add(wake);
    });

  /**
   * One read of a record at a time: a reader joins the read in flight unless the record was written since it was
   * issued (notify forgets it). A thousand long polls of one call then cost one read, not a thousand. Sound with
   * the watcher's listen-then-read: whoever joins a read issued before a write was listening before that write, so
   * the write's signal wakes it to read again.
   */
  #get(store: RequestStore, id: string) {
    const inFlight = this.#reads.get(id);
    if (inFlight) return inFlight;
    const read = store.get(id).finally(() => {
      if (this.#reads.get(id) === read) this.#reads.delete(id);
    });
    this.#reads.set(id, read);
    return read;
  }

  async #notifying<T>(id: string, write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      this.notify(id);
    }
  }

  /** The store, signalling after each write it makes, its reads of one record shared (#get). */
  signalling(store: RequestStore): RequestStore {
    return {
      // Every write signals, the creation and the outbox's mark too: a read issued before it must not be shared after.
      create: (record) => this.#notifying(record.id, store.create(record)),
      get: (id) => this.#get(store, id),
      listWorking: (before, limit, options) => store.listWorking(before, limit, options),
      listByOwner: (owner, page) => store.listByOwner(owner, page),
      settle: (id, settlement, at, event) => this.#notifying(id, store.settle(id, settlement, at, event)),
      cancelBeforeStart: (id, message, at, event) =>
        this.#notifying(id, store.cancelBeforeStart(id, message, at, event)),
      listPendingEvents: (before, limit, options) => store.listPendingEvents(before, limit, options),
      markEventSent: (id) => this.#notifying(id, store.markEventSent(id)),
      notePush: (id, receipt) => this.#notifying(id, store.notePush(id, receipt)),
      annotate: (id, note, at) => this.#notifying(id, store.annotate(id, note, at)),
      noteInput: (id, input, message, at) => this.#notifying(id, store.noteInput(id, input, message, at)),
      resumeWithInput: (id, args, message, at) =>
        this.#notifying(id, store.resumeWithInput(id, args, message, at)),
    };
  }
}
