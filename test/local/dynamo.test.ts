import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbRequestStore } from "../../functions/adapters/dynamodb-request-store.ts";
import { REQUEST_TABLE } from "../../functions/adapters/tables.ts";
import { ensureTables, type LocalDynamo, startLocalDynamo } from "../../local/dynamo.ts";

/** The embedded store, as slow to create a table as AWS is (CREATING for a moment). */
let dir: string;
let dynamo: LocalDynamo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-dynamo-"));
  dynamo = await startLocalDynamo(join(dir, "db"), { tcp: true }, { createTableMs: 300 });
});
afterAll(async () => {
  await dynamo.close();
  await rm(dir, { recursive: true, force: true });
});

describe("ensureTables", () => {
  it("returns only once a new table takes writes (a loaded first start found one still CREATING)", async () => {
    await ensureTables(dynamo.client, [{ definition: REQUEST_TABLE, name: "fresh" }]);
    const store = new DynamoDbRequestStore(dynamo.client, "fresh");
    await expect(store.get("00000000-0000-4000-8000-000000000000")).resolves.toBeUndefined();
  });
});
