import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbRequestStore } from "../../functions/adapters/dynamodb-request-store.ts";
import { REQUEST_TABLE } from "../../functions/adapters/tables.ts";
import { InvalidCursor, type RequestStore } from "../../functions/core/ports.ts";
import type { RequestRecord } from "../../functions/core/record.ts";
import { ensureTables, type LocalDynamo, startLocalDynamo } from "../../local/dynamo.ts";
import { RecordSignals } from "../../local/signals.ts";
import { MemoryStore } from "../core/memory-store.ts";

/**
 * The request store's contract, run against every implementation: the DynamoDB store (over dynalite, through the
 * real SDK), the local runtime's signalling wrapper around it, and the in-memory store the core's tests use.
 */

let dir: string;
let dynamo: LocalDynamo;
let tables = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-store-contract-"));
  dynamo = await startLocalDynamo(join(dir, "db"));
});
afterAll(async () => {
  await dynamo.close();
  await rm(dir, { recursive: true, force: true });
});

/** A fresh table per store, so every case starts empty. */
async function dynamoStore(): Promise<DynamoDbRequestStore> {
  const name = `contract-${++tables}`;
  await ensureTables(dynamo.client, [{ definition: REQUEST_TABLE, name }]);
  return new DynamoDbRequestStore(dynamo.client, name);
}

const STORES: [string, () => Promise<RequestStore>][] = [
  ["the DynamoDB store", dynamoStore],
  ["the signalling local store", async () => new RecordSignals().signalling(await dynamoStore())],
  ["the in-memory store", async () => new MemoryStore()],
];

const at = (second: number) => new Date(Date.UTC(2026, 11, 2, 9, 0, second)).toISOString();
const EVENT = { summary: "done", durationMs: 5 };
const DONE = {
  status: "completed" as const,
  statusMessage: "Done.",
  result: { content: [{ type: "text" as const, text: "Booked." }] },
};
const REFUSED = {
  status: "failed" as const,
  statusMessage: "No.",
  error: { type: "UpstreamRejected", message: "No." },
};

function working(owner: string, second: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: randomUUID(),
    owner,
    tool: "golf_book_tee_time",
    status: "working",
    statusMessage: "The call is running.",
    arguments: { teeSheetId: second },
    argumentsDigest: "digest",
    executionId: "arn:test",
    createdAt: at(second),
    lastUpdatedAt: at(second),
    expiresAt: 2_000_000_000,
    workingSince: at(second),
    ...extra,
  };
}

describe.each(STORES)("%s", (_name, open) => {
  let store: RequestStore;
  beforeAll(async () => {
    store = await open();
  });

  it("creates a record once: a second create with its id returns the first untouched", async () => {
    const record = working("alice", 1);
    expect(await store.create(record)).toEqual({ created: true });
    const again = await store.create({ ...record, statusMessage: "other" });
    expect(again).toMatchObject({ created: false, existing: { statusMessage: "The call is running." } });
    expect((await store.get(record.id))?.statusMessage).toBe("The call is running.");
  });

  it("settles a working call once, storing its event in the outbox and taking it off the working index", async () => {
    const record = working("settler", 2);
    await store.create(record);
    expect((await store.listWorking(at(59))).map((r) => r.id)).toContain(record.id);
    expect(await store.settle(record.id, DONE, at(3), EVENT)).toBe(true);
    expect(await store.settle(record.id, REFUSED, at(4), EVENT)).toBe(false);
    const settled = await store.get(record.id);
    expect(settled).toMatchObject({ status: "completed", outbox: "pending", settledAt: at(3) });
    expect(settled?.workingSince).toBeUndefined();
    expect((await store.listWorking(at(59))).map((r) => r.id)).not.toContain(record.id);
  });

  it("notes a settled call's push, and creates nothing for a record that is gone", async () => {
    const record = working("pusher", 5);
    await store.create(record);
    await store.settle(record.id, DONE, at(6), EVENT);
    const receipt = { at: at(7), outcome: "sent" as const, title: "Tee time booked" };
    await store.notePush(record.id, receipt);
    expect(await store.get(record.id)).toMatchObject({ status: "completed", push: receipt });
    const gone = randomUUID();
    await store.notePush(gone, receipt);
    expect(await store.get(gone)).toBeUndefined();
  });

  it("lists events in the outbox settled before the instant asked, until each is marked sent", async () => {
    const record = working("outbox", 5);
    await store.create(record);
    await store.settle(record.id, DONE, at(6), EVENT);
    expect((await store.listPendingEvents(at(6))).map((r) => r.id)).not.toContain(record.id);
    expect((await store.listPendingEvents(at(7))).map((r) => r.id)).toContain(record.id);
    await store.markEventSent(record.id);
    expect((await store.listPendingEvents(at(59))).map((r) => r.id)).not.toContain(record.id);
  });

  it("cancels a call only before its tool has started, and never a settled one", async () => {
    const before = working("canceller", 8);
    const started = working("canceller", 9, { toolStartedAt: at(9) });
    await store.create(before);
    await store.create(started);
    expect(await store.cancelBeforeStart(before.id, "Cancelled.", at(10), EVENT)).toBe(true);
    expect(await store.cancelBeforeStart(before.id, "Cancelled.", at(11), EVENT)).toBe(false);
    expect(await store.cancelBeforeStart(started.id, "Cancelled.", at(10), EVENT)).toBe(false);
    expect((await store.get(before.id))?.status).toBe("cancelled");
    expect((await store.get(started.id))?.status).toBe("working");
  });

  it("keeps a task that waits for input out of the working index, notes its answers, and resumes it once", async () => {
    const input = { requests: { a: { method: "elicitation/create" } }, responses: {}, kept: { round: 1 } };
    const waiting = working("asker", 20, { status: "input_required", workingSince: undefined, input });
    delete waiting.workingSince;
    await store.create(waiting);
    expect((await store.listWorking(at(59))).map((r) => r.id)).not.toContain(waiting.id);
    const answered = { ...input, responses: { a: { action: "accept" } } };
    expect(await store.noteInput(waiting.id, answered, "Answered.", at(21))).toBe(true);
    expect((await store.get(waiting.id))?.input).toEqual(answered);
    expect(await store.resumeWithInput(waiting.id, { teeSheetId: 7 }, "Running.", at(22))).toBe(true);
    expect(await store.resumeWithInput(waiting.id, { teeSheetId: 8 }, "Running.", at(23))).toBe(false);
    expect(await store.noteInput(waiting.id, input, "Again.", at(23))).toBe(false);
    const resumed = await store.get(waiting.id);
    expect(resumed).toMatchObject({ status: "working", arguments: { teeSheetId: 7 }, workingSince: at(22) });
    expect(resumed?.input).toBeUndefined();
    expect((await store.listWorking(at(59))).map((r) => r.id)).toContain(waiting.id);
  });

  it("cancels a task that waits for input, which never started", async () => {
    const waiting = working("asker", 24, {
      status: "input_required",
      input: { requests: { a: {} }, responses: {}, kept: {} },
    });
    delete waiting.workingSince;
    await store.create(waiting);
    expect(await store.cancelBeforeStart(waiting.id, "Cancelled.", at(25), EVENT)).toBe(true);
    const cancelled = await store.get(waiting.id);
    expect(cancelled).toMatchObject({ status: "cancelled", outbox: "pending" });
    expect(cancelled?.input).toBeUndefined();
    expect(await store.resumeWithInput(waiting.id, {}, "Running.", at(26))).toBe(false);
  });

  it("changes what a working call says, and nothing of a settled one", async () => {
    const record = working("annotator", 12);
    await store.create(record);
    expect(await store.annotate(record.id, { statusMessage: "Still going." }, at(13))).toBe(true);
    expect((await store.get(record.id))?.statusMessage).toBe("Still going.");
    await store.settle(record.id, DONE, at(14), EVENT);
    expect(await store.annotate(record.id, { statusMessage: "Late." }, at(15))).toBe(false);
    expect((await store.get(record.id))?.statusMessage).toBe("Done.");
  });

  it("pages an owner's calls newest first, every call once, and none of another owner's", async () => {
    const mine = [];
    for (let second = 20; second < 27; second++) mine.push(working("pager", second));
    for (const record of mine) await store.create(record);
    await store.create(working("someone-else", 30));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await store.listByOwner("pager", { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.records.length).toBeLessThanOrEqual(3);
      seen.push(...page.records.map((r) => r.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(mine.map((r) => r.id).reverse());
  });

  it("refuses a cursor issued for another owner, or never issued at all", async () => {
    for (let second = 40; second < 43; second++) await store.create(working("cursor-owner", second));
    const page = await store.listByOwner("cursor-owner", { limit: 1 });
    expect(page.nextCursor).toBeDefined();
    await expect(store.listByOwner("thief", { limit: 1, cursor: page.nextCursor as string })).rejects.toThrow(
      InvalidCursor,
    );
    await expect(store.listByOwner("cursor-owner", { limit: 1, cursor: "not-a-cursor" })).rejects.toThrow(
      InvalidCursor,
    );
  });
});
