import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalEventBus } from "../../local/bus.ts";

/** The events file failing: the operator hears of it once, and once more when it takes events again. */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-events-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const event = (n: number) => ({
  Source: "rez-agent-mcp",
  DetailType: "Tool Call Completed",
  Detail: { eventId: `r-${n}:completed`, requestId: `r-${n}` },
});

describe("an events file that cannot be written", () => {
  it("is reported once while it fails, the events are refused (so they stay in the outbox), and once when it recovers", async () => {
    // The file's folder is missing: every append fails until it exists.
    const folder = join(dir, "later");
    const log: string[] = [];
    const bus = new LocalEventBus({
      eventsFile: join(folder, "events.jsonl"),
      onError: () => {},
      log: (l) => log.push(l),
    });
    for (const n of [1, 2, 3]) await expect(bus.putEvents([event(n)])).rejects.toThrow(/ENOENT/);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(
      /^error: cannot write the events file .*later\/events\.jsonl \(ENOENT\): events wait in the outbox/,
    );

    await mkdir(folder);
    for (const n of [1, 2, 3, 4]) await bus.putEvents([event(n)]);
    expect(log).toHaveLength(2);
    expect(log[1]).toMatch(/the events file .* takes events again/);
    const ids = (await readFile(join(folder, "events.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).detail.eventId);
    expect(ids).toEqual(["r-1:completed", "r-2:completed", "r-3:completed", "r-4:completed"]);
  });
});
