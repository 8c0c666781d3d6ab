import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_TABLE } from "../../functions/adapters/tables.ts";
import type { PushReceipt } from "../../functions/core/record.ts";
import { DocumentSecrets } from "../../functions/core/secrets.ts";
import { createNotifyOnBookingHandler } from "../../functions/handlers/notify-on-booking.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";
import { ensureTables, type LocalDynamo, startLocalDynamo } from "../../local/dynamo.ts";
import { type NtfySimulator, startNtfySimulator } from "../../local/simulators/ntfy.ts";

/** The booking notifier over DynamoDB (dynalite) and ntfy (the simulator): one call, one push. */

const TABLE = "idempotency-notify";
let dir: string;
let dynamo: LocalDynamo;
let ntfy: NtfySimulator;
let notify: ReturnType<typeof createNotifyOnBookingHandler>;
/** What the notifier noted on each call's record. */
const receipts: (PushReceipt & { id: string })[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-notify-"));
  dynamo = await startLocalDynamo(join(dir, "db"));
  await ensureTables(dynamo.client, [{ definition: IDEMPOTENCY_TABLE, name: TABLE }]);
  ntfy = await startNtfySimulator();
  notify = createNotifyOnBookingHandler(
    {
      config: { baseUrl: ntfy.url, topic: "notify-test-topic" },
      secrets: new DocumentSecrets({}),
      http: new UpstreamClient({ fetch, userAgent: "test", timeoutMs: 2_000, cacheTtlMs: 0 }),
    },
    { client: dynamo.client, tableName: TABLE, expiresAfterSeconds: 3600, inProgressMs: 30_000 },
    { notePush: async (id, receipt) => void receipts.push({ id, ...receipt }) },
  );
});
afterAll(async () => {
  await ntfy.close();
  await dynamo.close();
  await rm(dir, { recursive: true, force: true });
});

/** What Lambda passes: the idempotency layer reads the remaining time from it. */
const context = { getRemainingTimeInMillis: () => 30_000 } as never;

const completed = (requestId: string) => ({
  eventId: `${requestId}:completed`,
  requestId,
  tool: "golf_book_tee_time",
  status: "completed" as const,
  owner: "alice",
  summary: "Booked Sample Links at 07:00 for 2 players (reservation 5001).",
});

describe("the booking notifier", () => {
  it("pushes once for a call whose event is published again under a new delivery id", async () => {
    const requestId = randomUUID();
    const before = ntfy.received.length;
    // EventBridge gives each delivery (and each re-publish by the outbox) its own id; the call is the same.
    await notify({ id: randomUUID(), detail: completed(requestId) } as never, context);
    await notify({ id: randomUUID(), detail: completed(requestId) } as never, context);
    expect(ntfy.received.slice(before)).toHaveLength(1);
    // Another call is another push.
    await notify({ id: randomUUID(), detail: completed(randomUUID()) } as never, context);
    expect(ntfy.received.slice(before)).toHaveLength(2);
  });

  it("notes the push on the call's record, and again (the same) when a note is retried, never pushing twice", async () => {
    const requestId = randomUUID();
    const before = ntfy.received.length;
    let failNote = true;
    const flaky = createNotifyOnBookingHandler(
      {
        config: { baseUrl: ntfy.url, topic: "notify-test-topic" },
        secrets: new DocumentSecrets({}),
        http: new UpstreamClient({ fetch, userAgent: "test", timeoutMs: 2_000, cacheTtlMs: 0 }),
      },
      { client: dynamo.client, tableName: TABLE, expiresAfterSeconds: 3600, inProgressMs: 30_000 },
      {
        notePush: async (id, receipt) => {
          if (failNote) throw new Error("the request table is unavailable");
          receipts.push({ id, ...receipt });
        },
      },
    );
    // The note fails: the event is retried (EventBridge), the send replays its outcome, the note lands.
    await expect(
      flaky({ id: randomUUID(), detail: completed(requestId) } as never, context),
    ).rejects.toThrow();
    failNote = false;
    await flaky({ id: randomUUID(), detail: completed(requestId) } as never, context);
    expect(ntfy.received.slice(before)).toHaveLength(1);
    expect(receipts.filter((r) => r.id === requestId)).toEqual([
      { id: requestId, at: expect.any(String), outcome: "sent", title: "Tee time booked" },
    ]);
  });
});
