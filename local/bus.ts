import { randomUUID } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { matchesPattern } from "../functions/core/event-pattern.ts";
import type { EventPattern, ToolCallEvent } from "../functions/core/events.ts";
import type { EventPublisher } from "../functions/core/ports.ts";

/** One entry of EventBridge's PutEvents, as the state machine's events:putEvents task sends it. */
export interface PutEventsEntry {
  EventBusName?: string;
  Source: string;
  DetailType: string;
  /** The optimized integration accepts an object; the API takes a JSON string. */
  Detail: unknown;
}

/** An event as EventBridge delivers it to a target. */
export interface BusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface LocalRule {
  name: string;
  pattern: EventPattern;
  target: (event: BusEvent) => Promise<void>;
}

/**
 * The in-process event bus: delivers each event to the rules whose pattern matches it and appends it to a
 * JSONL file. Targets run after the put returns, as EventBridge's do.
 */
export class LocalEventBus implements EventPublisher {
  readonly #rules: LocalRule[] = [];
  readonly #eventsFile: string | undefined;
  readonly #onError: (error: unknown) => void;
  #writes: Promise<void> = Promise.resolve();
  readonly #deliveries = new Set<Promise<void>>();
  /** The eventIds already in the events file: a re-published event is not written twice. */
  readonly #written = new Set<string>();
  readonly #log: (line: string) => void;
  /** Whether the last append failed: the operator hears of a failing file once, and once more when it recovers. */
  #failing = false;

  constructor(options: {
    eventsFile?: string;
    onError: (error: unknown) => void;
    /** Where the operator reads that the events file stopped (or resumed) taking events. */
    log?: (line: string) => void;
  }) {
    this.#eventsFile = options.eventsFile;
    this.#onError = options.onError;
    this.#log = options.log ?? (() => {});
  }

  /** Reads the eventIds the events file already holds (a restart re-publishes what it cannot be sure was sent). */
  async open(): Promise<void> {
    if (!this.#eventsFile) return;
    const text = await readFile(this.#eventsFile, "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const id = (JSON.parse(line) as BusEvent).detail?.eventId;
        if (typeof id === "string") this.#written.add(id);
      } catch {
        // A torn last line (a crash mid-append) holds no event worth counting.
      }
    }
  }

  addRule(rule: LocalRule): void {
    this.#rules.push(rule);
  }

  async putEvents(entries: PutEventsEntry[]) {
    const events = entries.map(toBusEvent);
    const fresh = events.filter((event) => {
      const id = event.detail.eventId;
      return typeof id !== "string" || !this.#written.has(id);
    });
    if (this.#eventsFile && fresh.length > 0) {
      const file = this.#eventsFile;
      const lines = fresh.map((event) => `${JSON.stringify(event)}\n`).join("");
      // Appends are chained so lines never interleave; one that failed does not stop the next.
      const write = this.#writes.catch(() => {}).then(() => this.#append(file, lines));
      this.#writes = write;
      await write;
    }
    for (const event of fresh) {
      if (typeof event.detail.eventId === "string") this.#written.add(event.detail.eventId);
      this.#deliver(event);
    }
    return { FailedEntryCount: 0, Entries: events.map((event) => ({ EventId: event.id })) };
  }

  async publish(event: ToolCallEvent): Promise<void> {
    await this.putEvents([{ Source: event.source, DetailType: event.detailType, Detail: event.detail }]);
  }

  #deliver(event: BusEvent) {
    for (const rule of this.#rules) {
      if (!matchesPattern(rule.pattern, event as unknown as Record<string, unknown>)) continue;
      const delivery = rule.target(event).catch(this.#onError);
      this.#deliveries.add(delivery);
      void delivery.finally(() => this.#deliveries.delete(delivery));
    }
  }

  /**
   * An append that fails leaves its events in the outbox (the put throws, so they stay pending and are published
   * again later): nothing is lost, but the operator must know, once, and again when the file takes events again.
   */
  async #append(file: string, lines: string): Promise<void> {
    try {
      await appendWithRetry(file, lines);
    } catch (error) {
      if (!this.#failing) {
        this.#failing = true;
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        this.#log(
          `error: cannot write the events file ${file} (${reason}): events wait in the outbox and are written once it can be`,
        );
      }
      throw error;
    }
    if (this.#failing) {
      this.#failing = false;
      this.#log(`the events file ${file} takes events again; those that waited are being written`);
    }
  }

  /** Waits for pending file writes and rule deliveries. */
  async flush(): Promise<void> {
    await this.#writes.catch(this.#onError);
    await Promise.all(this.#deliveries);
  }
}

/** Appends to the events file, trying twice more after a failure (a full disk for a moment). */
async function appendWithRetry(file: string, lines: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await appendWhole(file, lines);
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * Appends all the lines or none: a full disk can take part of a write, and the next append would then follow a torn
 * line in the middle of the file. The part written is cut off again (which frees space, so it works on a full disk).
 */
async function appendWhole(file: string, lines: string): Promise<void> {
  const handle = await open(file, "a", 0o600);
  try {
    const { size } = await handle.stat();
    try {
      await handle.appendFile(lines);
    } catch (error) {
      await handle.truncate(size).catch(() => {});
      throw error;
    }
  } finally {
    await handle.close();
  }
}

function toBusEvent(entry: PutEventsEntry): BusEvent {
  const detail = typeof entry.Detail === "string" ? JSON.parse(entry.Detail) : entry.Detail;
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": entry.DetailType,
    source: entry.Source,
    account: "000000000000",
    time: new Date().toISOString(),
    region: "local",
    resources: [],
    detail: (detail ?? {}) as Record<string, unknown>,
  };
}
