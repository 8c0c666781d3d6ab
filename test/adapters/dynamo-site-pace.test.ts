import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoSitePace } from "../../functions/adapters/dynamo-site-pace.ts";
import { IDEMPOTENCY_TABLE } from "../../functions/adapters/tables.ts";
import { ensureTables, type LocalDynamo, startLocalDynamo } from "../../local/dynamo.ts";

/** The pace every AWS function instance shares: one DynamoDB item per site, against dynalite. */

let dir: string;
let dynamo: LocalDynamo;
const TABLE = "idempotency-pace";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-pace-"));
  dynamo = await startLocalDynamo(join(dir, "db"));
  await ensureTables(dynamo.client, [{ definition: IDEMPOTENCY_TABLE, name: TABLE }]);
});
afterAll(async () => {
  await dynamo.close();
  await rm(dir, { recursive: true, force: true });
});

/** A function instance of its own: its own client and its own pace object, the same table. */
const instance = () =>
  new DynamoSitePace(
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    }),
    TABLE,
    { perSecond: 20, burst: 4 },
  );

describe("a site's pace shared by function instances", () => {
  it("lets a burst through at once, then holds every instance together to the pace", async () => {
    const instances = [instance(), instance(), instance()];
    const started = Date.now();
    const left: number[] = [];
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        instances[i % 3]?.take("https://pace.example").then(() => left.push(Date.now() - started)),
      ),
    );
    left.sort((a, b) => a - b);
    // Slot i (from 0) leaves no earlier than (i - burst + 1) intervals after the first; a slow machine only delays.
    for (const [i, at] of left.entries()) expect(at).toBeGreaterThanOrEqual(Math.max(0, (i - 3) * 50) - 5);
    expect(left).toHaveLength(30);
  });

  it("books a release's slots ahead for several instances, within the same pace", async () => {
    const at = Date.now() + 60_000;
    const [one, two] = await Promise.all([
      instance().reserve("https://release.example", at, 7),
      instance().reserve("https://release.example", at, 7),
    ]);
    const slots = [...one, ...two].sort((a, b) => a - b);
    expect(slots[0]).toBe(at);
    for (const [i, slot] of slots.entries())
      expect(slot - at).toBeGreaterThanOrEqual(Math.max(0, (i - 3) * 50));
    // A request asking at the release comes after every booked slot but the burst's.
    const later = await instance().reserve("https://release.example", at, 1);
    expect(later[0]).toBeGreaterThanOrEqual(at + (14 - 3) * 50);
  });
});
