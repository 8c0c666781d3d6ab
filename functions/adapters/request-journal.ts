import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { RequestJournal } from "../core/ports.ts";
import type { IdempotencyStore } from "./idempotency.ts";
import { IDEMPOTENCY_TABLE } from "./tables.ts";

/**
 * One request's journal, in the idempotency table beside its idempotency record (key `<kind>-journal#<requestId>`,
 * the same expiry), so a side effect's function needs no other table: what it noted before it acted, read by a
 * later run of the same request (a resolution, or a run past the first one's idempotency window).
 */
export function requestJournal<Note>(
  store: IdempotencyStore,
  requestId: string,
  kind: string,
): RequestJournal<Note> {
  const documents = DynamoDBDocumentClient.from(store.client);
  const key = { [IDEMPOTENCY_TABLE.partitionKey.name]: `${kind}-journal#${requestId}` };
  const expiryAttribute = IDEMPOTENCY_TABLE.timeToLiveAttribute ?? "expiration";
  return {
    async note(entry: Note) {
      await documents.send(
        new PutCommand({
          TableName: store.tableName,
          Item: {
            ...key,
            note: JSON.stringify(entry),
            [expiryAttribute]: Math.floor(Date.now() / 1000) + store.expiresAfterSeconds,
          },
        }),
      );
    },
    async read() {
      const { Item } = await documents.send(
        new GetCommand({ TableName: store.tableName, Key: key, ConsistentRead: true }),
      );
      return typeof Item?.note === "string" ? (JSON.parse(Item.note) as Note) : undefined;
    },
  };
}
