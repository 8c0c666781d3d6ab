import { mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { matchesPattern } from "../functions/core/event-pattern.ts";
import type { EventPattern } from "../functions/core/events.ts";
import { isJsonObject } from "../functions/core/json.ts";
import { isLoopback } from "../functions/core/loopback.ts";
import type { BusEvent } from "./bus.ts";
import { replaceFile } from "./data-folder.ts";

/**
 * Local subscribers to the completion events, as EventBridge users expect of a rule and its target: each has an
 * event pattern (the bus's own matcher) and a target (an HTTPS webhook, or an ntfy topic), and gets every matching
 * event at least once, with retries and a dead-letter file. The events file is their log: each subscriber keeps a
 * cursor into it and moves it past an event only once the event was delivered or dead-lettered, so a restart, or a
 * target that fails for a while, loses nothing; a delivery interrupted by a crash is made again, with the same
 * delivery id (the event's `eventId`), which the target uses to drop a duplicate.
 */

export type SubscriberTarget = { webhook: string } | { ntfy: { topic: string } };

export interface SubscriberConfig {
  name: string;
  pattern: EventPattern;
  target: SubscriberTarget;
}

export interface RetryPolicy {
  /** Deliveries tried before the event goes to the dead-letter file. */
  attempts: number;
  /** The first wait; doubled after each failure, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
}

/** EventBridge retries a target for a day; a laptop's subscriber gets about ten minutes before the dead letter. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 12, baseMs: 1_000, maxMs: 120_000 };

/** The header that names a delivery: the event's stable id, the same on every delivery of one event. */
export const DELIVERY_ID_HEADER = "x-rez-delivery-id";

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Reads and checks a subscribers file: `{ "subscribers": [ { name, pattern, target } ] }`. */
export function parseSubscribers(value: unknown, where: string): SubscriberConfig[] {
  const list = isJsonObject(value) ? value.subscribers : undefined;
  if (!Array.isArray(list)) throw new Error(`${where} must hold { "subscribers": [ ... ] }`);
  const names = new Set<string>();
  return list.map((raw, i) => {
    const at = `${where}, subscriber ${i + 1}`;
    if (!isJsonObject(raw)) throw new Error(`${at} must be an object`);
    const name = raw.name;
    if (typeof name !== "string" || !NAME.test(name)) {
      throw new Error(`${at}: "name" must be lowercase letters, digits and dashes`);
    }
    if (names.has(name)) throw new Error(`${at}: the name ${name} is used twice`);
    names.add(name);
    if (!isJsonObject(raw.pattern)) throw new Error(`${at}: "pattern" must be an EventBridge event pattern`);
    const target = raw.target;
    if (isJsonObject(target) && typeof target.webhook === "string") {
      let url: URL;
      try {
        url = new URL(target.webhook);
      } catch {
        throw new Error(`${at}: "webhook" is not a URL`);
      }
      if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
        throw new Error(`${at}: a webhook must be https (or http on this machine)`);
      }
      return { name, pattern: raw.pattern as EventPattern, target: { webhook: url.href } };
    }
    if (isJsonObject(target) && isJsonObject(target.ntfy) && typeof target.ntfy.topic === "string") {
      return { name, pattern: raw.pattern as EventPattern, target: { ntfy: { topic: target.ntfy.topic } } };
    }
    throw new Error(`${at}: "target" must be { "webhook": "https://..." } or { "ntfy": { "topic": "..." } }`);
  });
}

export interface SubscribersOptions {
  eventsFile: string;
  /** Where each subscriber keeps its cursor and dead letters. */
  folder: string;
  subscribers: readonly SubscriberConfig[];
  fetch: typeof fetch;
  /** The ntfy server a `ntfy` target posts to. */
  ntfyBaseUrl: string;
  retry?: RetryPolicy;
  log: (line: string) => void;
}

/** Every subscriber, each following the events file on its own (one slow target holds up no other). */
export class Subscribers {
  readonly #followers: Follower[];

  constructor(options: SubscribersOptions) {
    this.#followers = options.subscribers.map((config) => new Follower(config, options));
  }

  /** Starts following from each subscriber's cursor (after a restart: where it stopped). */
  start(): void {
    for (const follower of this.#followers) follower.wake();
  }

  /** New events were appended: each subscriber reads on. */
  wake(): void {
    for (const follower of this.#followers) follower.wake();
  }

  /** Stops after the delivery in hand (its cursor stays before any event not yet delivered). */
  async stop(): Promise<void> {
    await Promise.all(this.#followers.map((follower) => follower.stop()));
  }

  /** Waits until every subscriber has caught up with the events file (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.#followers.map((follower) => follower.idle()));
  }
}

class Follower {
  readonly folder: string;
  readonly #config: SubscriberConfig;
  readonly #options: SubscribersOptions;
  readonly #retry: RetryPolicy;
  #running: Promise<void> | undefined;
  #again = false;
  #stopping = false;
  readonly #abort = new AbortController();

  constructor(config: SubscriberConfig, options: SubscribersOptions) {
    this.#config = config;
    this.#options = options;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.folder = options.folder;
  }

  get #cursorFile() {
    return join(this.folder, `${this.#config.name}.cursor`);
  }

  wake(): void {
    if (this.#stopping) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#follow()
      .catch((error: Error) => this.#options.log(`subscriber ${this.#config.name}: ${error.message}`))
      .finally(() => {
        this.#running = undefined;
        if (this.#again && !this.#stopping) {
          this.#again = false;
          this.wake();
        }
      });
  }

  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort();
    await this.#running;
  }

  /** Delivers every matching event after the cursor, moving the cursor past each as it is done with. */
  async #follow(): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    let offset = Number((await readFile(this.#cursorFile, "utf8").catch(() => "0")).trim()) || 0;
    const text = await readTail(this.#options.eventsFile, offset);
    let at = 0;
    while (!this.#stopping) {
      const end = text.indexOf("\n", at);
      if (end < 0) break; // a line still being written waits for the next wake
      const line = text.slice(at, end);
      const size = Buffer.byteLength(text.slice(at, end + 1));
      at = end + 1;
      let event: BusEvent | undefined;
      try {
        event = JSON.parse(line) as BusEvent;
      } catch {
        event = undefined; // a torn line (a crash mid-append) holds no event
      }
      if (event && matchesPattern(this.#config.pattern, event as unknown as Record<string, unknown>)) {
        const done = await this.#deliverWithRetries(event);
        if (!done) return; // stopping: the cursor stays before this event, which is delivered after the restart
      }
      offset += size;
      await replaceFile(this.#cursorFile, `${offset}\n`);
    }
  }

  /** True once delivered or dead-lettered; false when stopped first. */
  async #deliverWithRetries(event: BusEvent): Promise<boolean> {
    let lastError = "";
    for (let attempt = 1; attempt <= this.#retry.attempts; attempt++) {
      if (this.#stopping) return false;
      try {
        await this.#deliver(event);
        return true;
      } catch (error) {
        // A stop cut this delivery off: it is not the target's failure, and is made again after the restart.
        if (this.#stopping) return false;
        lastError = (error as Error).message;
        if (attempt === this.#retry.attempts) break;
        const wait = Math.min(this.#retry.maxMs, this.#retry.baseMs * 2 ** (attempt - 1));
        if (!(await pause(wait, this.#abort.signal))) return false;
      }
    }
    const deadLetter = join(this.folder, `${this.#config.name}.dead-letter.jsonl`);
    const entry = {
      deliveryId: event.detail.eventId,
      failedAt: new Date().toISOString(),
      reason: lastError,
      event,
    };
    const handle = await open(deadLetter, "a", 0o600);
    try {
      await handle.appendFile(`${JSON.stringify(entry)}\n`);
    } finally {
      await handle.close();
    }
    this.#options.log(
      `subscriber ${this.#config.name}: event ${String(event.detail.eventId)} went to ${deadLetter} after ${this.#retry.attempts} attempts (${lastError})`,
    );
    return true;
  }

  async #deliver(event: BusEvent): Promise<void> {
    const deliveryId = String(event.detail.eventId ?? event.id);
    const { target } = this.#config;
    const request =
      "webhook" in target
        ? new Request(target.webhook, {
            method: "POST",
            headers: { "content-type": "application/json", [DELIVERY_ID_HEADER]: deliveryId },
            body: JSON.stringify(event),
          })
        : new Request(
            `${this.#options.ntfyBaseUrl.replace(/\/+$/, "")}/${encodeURIComponent(target.ntfy.topic)}`,
            {
              method: "POST",
              headers: { title: event["detail-type"], [DELIVERY_ID_HEADER]: deliveryId },
              body: String(event.detail.summary ?? ""),
            },
          );
    const response = await this.#options.fetch(request, {
      signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(10_000)]),
      redirect: "manual",
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the target answered HTTP ${response.status}`);
  }
}

/** The events file from a byte offset on (empty when there is no file yet): only the part not yet followed is read. */
async function readTail(file: string, offset: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch {
    return "";
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) return "";
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** Waits `ms`; false when aborted first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
