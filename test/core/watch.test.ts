import { afterEach, describe, expect, it, vi } from "vitest";
import type { RequestStore } from "../../functions/core/ports.ts";
import type { RequestRecord } from "../../functions/core/record.ts";
import { READ_GRACE_MS, waitForTerminal } from "../../functions/core/watch.ts";
import { RecordSignals } from "../../local/signals.ts";

afterEach(() => vi.useRealTimers());

const record = (status: RequestRecord["status"]) => ({ id: "r-1", status }) as RequestRecord;

/** Fake timers, the runtime's signals, and a store whose nth read (from 1) answers `answer(n, signals)`. */
function watched(answer: (n: number, signals: RecordSignals) => Promise<RequestRecord>) {
  vi.useFakeTimers();
  const signals = new RecordSignals();
  const counted = { reads: 0 };
  const store = {
    get: () => {
      counted.reads += 1;
      return answer(counted.reads, signals);
    },
  } as unknown as RequestStore;
  return { signals, store, counted };
}

describe("waitForTerminal with a change signal", () => {
  it("wakes for a write that lands between its read and its wait", async () => {
    const { signals, store } = watched(async (n, signals) => {
      if (n > 1) return record("completed");
      // The call settles right after this read answered "working".
      queueMicrotask(() => signals.notify("r-1"));
      return record("working");
    });
    const watching = waitForTerminal(store, "r-1", 20_000, { changeSignal: signals.wait });
    // No time passes: only the wake-up can finish the watch.
    await vi.advanceTimersByTimeAsync(0);
    const settled = await Promise.race([watching, Promise.resolve("still waiting")]);
    expect(settled).toEqual(record("completed"));
  });
});

describe("a long poll's bounds", () => {
  it("ends by its deadline plus the read grace when the store stops answering, with what it last read", async () => {
    // The first read answers; every later one sits in a queue that never moves (a store under a burst).
    const { signals, store } = watched((n) =>
      n === 1 ? Promise.resolve(record("working")) : new Promise(() => {}),
    );
    let ended: RequestRecord | undefined | "not yet" = "not yet";
    void waitForTerminal(store, "r-1", 20_000, { changeSignal: signals.wait }).then((r) => {
      ended = r;
    });
    await vi.advanceTimersByTimeAsync(20_000 + READ_GRACE_MS);
    expect(ended).toEqual(record("working"));
    expect(20_000 + READ_GRACE_MS).toBeLessThan(29_000);
  });

  it("reads an unwritten record once while it waits for a signal, not once a second", async () => {
    const { signals, store, counted } = watched(async () => record("working"));
    const watching = waitForTerminal(store, "r-1", 20_000, { changeSignal: signals.wait });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(await watching).toEqual(record("working"));
    // The first read, then one every SIGNALLED_REREAD_MS in case a write went unsignalled; none at the deadline.
    expect(counted.reads).toBe(4);
  });

  it("shares one read among the polls of one record, and never a read issued before a write", async () => {
    const signals = new RecordSignals();
    const answers: ((r: RequestRecord) => void)[] = [];
    const store = signals.signalling({
      get: () => new Promise<RequestRecord>((resolve) => answers.push(resolve)),
    } as unknown as RequestStore);
    const first = [store.get("r-1"), store.get("r-1"), store.get("r-1")];
    expect(answers).toHaveLength(1);
    signals.notify("r-1");
    const after = store.get("r-1");
    expect(answers).toHaveLength(2);
    answers[0]?.(record("working"));
    answers[1]?.(record("completed"));
    expect(await Promise.all(first)).toEqual([record("working"), record("working"), record("working")]);
    expect(await after).toEqual(record("completed"));
  });

  it("never shares a read issued before the record was created with a reader after it", async () => {
    const signals = new RecordSignals();
    const answers: ((r: RequestRecord | undefined) => void)[] = [];
    const store = signals.signalling({
      get: () => new Promise<RequestRecord | undefined>((resolve) => answers.push(resolve)),
      create: async () => ({ created: true }),
    } as unknown as RequestStore);
    const before = store.get("r-1");
    await store.create(record("working"));
    const after = store.get("r-1");
    expect(answers).toHaveLength(2);
    answers[0]?.(undefined);
    answers[1]?.(record("working"));
    expect(await before).toBeUndefined();
    expect(await after).toEqual(record("working"));
  });
});
