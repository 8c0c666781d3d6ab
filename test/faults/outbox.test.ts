import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { LOCAL_REQUEST_TABLE } from "../../local/resources.ts";
import { callTool, type Harness, startHarness } from "../local/harness.ts";

/** Events are an outbox: stored with the settling write, published after, never lost, never written twice. */
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function eventIds(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { detail: { eventId: string } }).detail.eventId);
}

async function weather(h: Harness, i: number): Promise<string> {
  const answer = (await (
    await callTool(h.runtime, "get_weather", { location: `47.${i},-122.3`, days: 1 })
  ).json()) as { result: { _meta: Record<string, string> } };
  return answer.result._meta[REQUEST_ID_META_KEY] as string;
}

describe("the outbox", () => {
  it("keeps the events it could not write, writes them once when it can, and a failed write stops no later one", async () => {
    const folder = join(
      await import("node:os").then((os) => os.tmpdir()),
      `rez-outbox-${process.pid}-${Date.now()}`,
    );
    const eventsFile = join(folder, "events.jsonl");
    // The events file's folder does not exist yet: every append fails.
    harness = await startHarness({ eventsFile });
    const ids = [await weather(harness, 1), await weather(harness, 2), await weather(harness, 3)];
    for (const id of ids) {
      const record = await harness.runtime.front.lifecycle.status(id, { owner: "alice" });
      expect(record?.status).toBe("completed");
    }
    expect(await eventIds(eventsFile)).toEqual([]);

    // The disk is back: the next call's event is written at once (the failed appends did not jam the chain).
    await mkdir(folder, { recursive: true });
    const later = await weather(harness, 4);
    await harness.runtime.bus.flush();
    expect(await eventIds(eventsFile)).toEqual([`${later}:completed`]);

    // A restart publishes what stayed in the outbox, once; another restart writes nothing again.
    await harness.restart({ eventsFile });
    const expected = [...ids, later].map((id) => `${id}:completed`).sort();
    expect((await eventIds(eventsFile)).sort()).toEqual(expected);
    // A crash between writing an event and marking it sent leaves it pending: it is not written a second time.
    await harness.runtime.dynamo.client.send(
      new UpdateItemCommand({
        TableName: LOCAL_REQUEST_TABLE,
        Key: { id: { S: later } },
        UpdateExpression: "SET outbox = :pending",
        ExpressionAttributeValues: { ":pending": { S: "pending" } },
      }),
    );
    await harness.restart({ eventsFile });
    expect((await eventIds(eventsFile)).sort()).toEqual(expected);
    const record = await harness.runtime.front.lifecycle.status(later, { owner: "alice" });
    expect(record?.status).toBe("completed");
  });
});
