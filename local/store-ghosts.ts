import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { fromItem } from "../functions/adapters/request-items.ts";
import type { RequestRecord } from "../functions/core/record.ts";

/** What a call refused for a full disk says once its ghost is found. */
export const REFUSED_FOR_FULL_DISK =
  "The call was refused when it came: the server's disk was full, so nothing was done. Try again.";

/**
 * dynalite writes an item and its index entries one after another, not atomically: a write the full disk cut short
 * can leave an index entry (a call listed as working) with no item behind it, a call its client was told was
 * refused. Once the disk has room again, each such ghost is made a real record (from the index's full projection)
 * and settled as refused, so listings tell the truth and the call has its event. Returns how many it found.
 */
export async function settleGhosts(
  client: DynamoDBClient,
  table: string,
  settle: (record: RequestRecord) => Promise<unknown>,
): Promise<number> {
  const documents = DynamoDBDocumentClient.from(client);
  let found = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: table,
        IndexName: "byOwner",
        FilterExpression: "#status = :working",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":working": "working" },
        ExclusiveStartKey: start,
      }),
    );
    for (const entry of page.Items ?? []) {
      const key = { id: entry.id };
      const item = await documents.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
      if (item.Item) continue;
      found += 1;
      await documents
        .send(
          new PutCommand({ TableName: table, Item: entry, ConditionExpression: "attribute_not_exists(id)" }),
        )
        .catch((error: Error) => {
          if (error.name !== "ConditionalCheckFailedException") throw error;
        });
      await settle(fromItem(entry));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}
