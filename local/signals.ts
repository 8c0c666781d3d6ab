import type { ChangeSignal, RequestStore } from "../functions/core/ports.ts";

/** Wakes requests waiting on a record when something writes it, so a finished call answers at once. */
export class RecordSignals {
  readonly #waiters = new Map<string, Set<() => void>>();

  notify(id: string): void {
    const waiters = this.#waiters.get(id);
    if (!waiters) return;
    this.#waiters.delete(id);
    for (const wake of waiters) wake();
  }

  readonly wait: ChangeSignal = (id, timeoutMs) =>
    new Promise<void>((resolve) => {
      const waiters = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, waiters);
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(id) === waiters) this.#waiters.delete(id);
        resolve();
      };
      // A watcher that stopped caring leaves its wait to time out; that must not keep the process alive.
      const timer = setTimeout(wake, timeoutMs).unref();
      waiters.add(wake);
    });

  async #notifying<T>(id: string, write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      this.notify(id);
    }
  }

  /** The store, signalling after each write it makes. */
  signalling(store: RequestStore): RequestStore {
    return {
      create: (record) => store.create(record),
      get: (id) => store.get(id),
      listWorking: (before, limit, options) => store.listWorking(before, limit, options),
      listByOwner: (owner, page) => store.listByOwner(owner, page),
      settle: (id, settlement, at, event) => this.#notifying(id, store.settle(id, settlement, at, event)),
      cancelBeforeStart: (id, message, at, event) =>
        this.#notifying(id, store.cancelBeforeStart(id, message, at, event)),
      listPendingEvents: (before, limit, options) => store.listPendingEvents(before, limit, options),
      markEventSent: (id) => store.markEventSent(id),
      annotate: (id, note, at) => this.#notifying(id, store.annotate(id, note, at)),
    };
  }
}
