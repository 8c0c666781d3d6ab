import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { BookingJournal, BookingNote } from "../tools/golf-book-tee-time.ts";
import type { IdempotencyStore } from "./idempotency.ts";
import { IDEMPOTENCY_TABLE } from "./tables.ts";

/**
 * One booking's journal, in the idempotency table beside the booking's own idempotency record (key
 * `booking-journal#<requestId>`, the same expiry), so the booking function needs no other table.
 */
export function bookingJournal(store: IdempotencyStore, requestId: string): BookingJournal {
  const documents = DynamoDBDocumentClient.from(store.client);
  const key = { [IDEMPOTENCY_TABLE.partitionKey.name]: `booking-journal#${requestId}` };
  const expiryAttribute = IDEMPOTENCY_TABLE.timeToLiveAttribute ?? "expiration";
  return {
    async note(entry: BookingNote) {
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
      return typeof Item?.note === "string" ? (JSON.parse(Item.note) as BookingNote) : undefined;
    },
  };
}
