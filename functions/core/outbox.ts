import { eventOfRecord } from "./events.ts";
import type { Clock, EventPublisher, ListOptions, RequestStore } from "./ports.ts";
import type { RequestRecord } from "./record.ts";

export interface OutboxDeps {
  store: RequestStore;
  events: EventPublisher;
  clock: Clock;
  onUnexpectedError: (error: unknown) => void;
}

/**
 * Every settling write stores its call's event with it; this publishes what is stored, then marks it sent. At least
 * once: an event is marked sent only after it is published, and keeps its eventId.
 */
export class Outbox {
  readonly #deps: OutboxDeps;

  constructor(deps: OutboxDeps) {
    this.#deps = deps;
  }

  /**
   * Publishes the events still in the outbox of calls settled before `graceMs` ago (a crash between a settling
   * write and its publish, a publish that failed): at start-up and on the sweeper's schedule.
   */
  async deliverPending(graceMs: number, options: ListOptions = {}): Promise<number> {
    const before = new Date(this.#deps.clock.now() - graceMs).toISOString();
    let delivered = 0;
    for (const record of await this.#deps.store.listPendingEvents(before, 1_000, options)) {
      if (await this.#deliver(record)) delivered += 1;
    }
    return delivered;
  }

  /** Publishes a settled record's event from the outbox, then marks it sent. */
  async deliverOf(id: string): Promise<void> {
    try {
      const record = await this.#deps.store.get(id);
      if (record) await this.#deliver(record);
    } catch (error) {
      // The event stays in the outbox; the next sweep publishes it.
      this.#deps.onUnexpectedError(error);
    }
  }

  async #deliver(record: RequestRecord): Promise<boolean> {
    const event = eventOfRecord(record);
    if (!event || record.outbox !== "pending") return false;
    try {
      await this.#deps.events.publish(event);
      await this.#deps.store.markEventSent(record.id);
      return true;
    } catch (error) {
      this.#deps.onUnexpectedError(error);
      return false;
    }
  }
}
