import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbRequestStore } from "../../functions/adapters/dynamodb-request-store.ts";
import { REQUEST_TABLE } from "../../functions/adapters/tables.ts";
import { ensureTables, type LocalDynamo, startLocalDynamo } from "../../local/dynamo.ts";

/**
 * A local store made by an earlier version has the request table without the sparse indexes (the embedded store
 * cannot add an index to a table): the sweeper's and the outbox's queries still find what they look for.
 */
let dir: string;
let dynamo: LocalDynamo;
let store: DynamoDbRequestStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-upgrade-"));
  dynamo = await startLocalDynamo(join(dir, "db"));
  const earlier = {
    ...REQUEST_TABLE,
    globalSecondaryIndexes: REQUEST_TABLE.globalSecondaryIndexes?.filter((i) => i.indexName === "byOwner"),
  };
  await ensureTables(dynamo.client, [{ definition: earlier, name: "requests-earlier" }]);
  store = new DynamoDbRequestStore(dynamo.client, "requests-earlier");
});
afterAll(async () => {
  await dynamo.close();
  await rm(dir, { recursive: true, force: true });
});

const record = (id: string, status: "working" | "completed") => ({
  id,
  owner: "alice",
  tool: "get_weather",
  status,
  statusMessage: "",
  arguments: {},
  argumentsDigest: "d",
  executionId: "arn",
  createdAt: "2026-11-24T12:00:00.000Z",
  lastUpdatedAt: "2026-11-24T12:00:00.000Z",
  expiresAt: 0,
});

describe("a request table from before the sparse indexes", () => {
  it("still lists the calls left working, and the events left in the outbox", async () => {
    await store.create({ ...record("a0000000-0000-4000-8000-000000000001", "working") });
    await store.create({
      ...record("a0000000-0000-4000-8000-000000000002", "working"),
      workingSince: "2026-11-24T12:00:00.000Z",
    });
    await store.create(record("a0000000-0000-4000-8000-000000000003", "working"));
    await store.settle(
      "a0000000-0000-4000-8000-000000000003",
      { status: "completed", statusMessage: "done", result: { content: [] } },
      "2026-11-24T12:00:01.000Z",
      { summary: "ok", durationMs: 1 },
    );
    const working = await store.listWorking("2026-11-25T00:00:00.000Z");
    expect(working.map((r) => r.id).sort()).toEqual([
      "a0000000-0000-4000-8000-000000000001",
      "a0000000-0000-4000-8000-000000000002",
    ]);
    const pending = await store.listPendingEvents("2026-11-25T00:00:00.000Z");
    expect(pending.map((r) => r.id)).toEqual(["a0000000-0000-4000-8000-000000000003"]);
  });
});

describe("a record stored by an earlier version", () => {
  it("keeps its execution under the attribute the table has always used, executionArn", async () => {
    await dynamo.client.send(
      new PutItemCommand({
        TableName: "requests-earlier",
        Item: {
          ...Object.fromEntries(
            Object.entries(record("a0000000-0000-4000-8000-000000000009", "working"))
              .filter(([name]) => !["executionId", "arguments", "expiresAt"].includes(name))
              .map(([name, value]) => [name, { S: String(value) }]),
          ),
          arguments: { S: "{}" },
          expiresAt: { N: "0" },
          executionArn: { S: "arn:aws:states:us-east-1:1:execution:ToolCall:a9" },
        },
      }),
    );
    expect((await store.get("a0000000-0000-4000-8000-000000000009"))?.executionId).toBe(
      "arn:aws:states:us-east-1:1:execution:ToolCall:a9",
    );
    await store.create(record("a0000000-0000-4000-8000-00000000000a", "working"));
    const raw = await dynamo.client.send(
      new GetItemCommand({
        TableName: "requests-earlier",
        Key: { id: { S: "a0000000-0000-4000-8000-00000000000a" } },
      }),
    );
    expect(raw.Item?.executionArn).toEqual({ S: "arn" });
    expect(raw.Item?.executionId).toBeUndefined();
  });
});
