import { afterEach, describe, expect, it, vi } from "vitest";
import type { RequestStore } from "../../functions/core/ports.ts";
import type { RequestRecord } from "../../functions/core/record.ts";
import { waitForTerminal } from "../../functions/core/watch.ts";
import { RecordSignals } from "../../local/signals.ts";

afterEach(() => vi.useRealTimers());

const record = (status: RequestRecord["status"]) => ({ id: "r-1", status }) as RequestRecord;

describe("waitForTerminal with a change signal", () => {
  it("wakes for a write that lands between its read and its wait", async () => {
    vi.useFakeTimers();
    const signals = new RecordSignals();
    let reads = 0;
    const store = {
      async get() {
        reads += 1;
        if (reads > 1) return record("completed");
        // The call settles right after this read answered "working".
        queueMicrotask(() => signals.notify("r-1"));
        return record("working");
      },
    } as unknown as RequestStore;
    const watching = waitForTerminal(store, "r-1", 20_000, { changeSignal: signals.wait });
    // No time passes: only the wake-up can finish the watch.
    await vi.advanceTimersByTimeAsync(0);
    const settled = await Promise.race([watching, Promise.resolve("still waiting")]);
    expect(settled).toEqual(record("completed"));
  });
});
