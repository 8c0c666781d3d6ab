import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { JsonObject } from "../core/json.ts";
import { type ListOptions, type RecordPage, type RequestStore, StoreUnavailable } from "../core/ports.ts";
import type { EventFields, PendingInput, PushReceipt, RequestRecord, Settlement } from "../core/record.ts";
import { decodeCursor, encodeCursor, errorDetail, fromItem, toItem } from "./request-items.ts";
import { REQUEST_TABLE } from "./tables.ts";

const TRANSIENT = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
]);

/** Sends a command; no answer (a network error, a timeout), a 5xx or throttling becomes StoreUnavailable. */
async function sendOrUnavailable(client: DynamoDBDocumentClient, command: unknown): Promise<never> {
  try {
    return (await client.send(command as never)) as never;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (error as Error).name;
    if (status === undefined || status >= 500 || TRANSIENT.has(name)) {
      throw new StoreUnavailable(`The request table did not answer: ${(error as Error).message}`);
    }
    throw error;
  }
}

const OWNER_INDEX = "byOwner";
const WORKING_INDEX = "working";
const OUTBOX_INDEX = "outbox";
for (const index of [OWNER_INDEX, WORKING_INDEX, OUTBOX_INDEX]) {
  if (!REQUEST_TABLE.globalSecondaryIndexes?.some((defined) => defined.indexName === index)) {
    throw new Error(`The request table defines no index ${index}`);
  }
}

/**
 * The request table on DynamoDB. `arguments`, `result` and the failure detail are JSON strings: the state machine
 * cannot build DynamoDB maps, so it stores the strings the tool function serialized.
 */
export class DynamoDbRequestStore implements RequestStore {
  readonly #client: Pick<DynamoDBDocumentClient, "send">;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string) {
    const documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    // Every call goes through one place that tells "the store is away" apart from an answer.
    this.#client = { send: (command: unknown) => sendOrUnavailable(documents, command) } as unknown as Pick<
      DynamoDBDocumentClient,
      "send"
    >;
    this.#table = tableName;
  }

  async create(
    record: RequestRecord,
  ): Promise<{ created: true } | { created: false; existing: RequestRecord }> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: toItem(record),
          ConditionExpression: "attribute_not_exists(id)",
        }),
      );
      return { created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(record.id);
      if (!existing) throw error;
      return { created: false, existing };
    }
  }

  async get(id: string): Promise<RequestRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: { id }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async settle(id: string, settlement: Settlement, at: string, event: EventFields): Promise<boolean> {
    const names: Record<string, string> = {
      "#status": "status",
      "#statusMessage": "statusMessage",
      "#lastUpdatedAt": "lastUpdatedAt",
      ...OUTBOX_NAMES,
    };
    const values: Record<string, unknown> = {
      ":status": settlement.status,
      ":message": settlement.statusMessage,
      ":now": at,
      ":working": "working",
      ...outboxValues(event),
    };
    let set = `#status = :status, #statusMessage = :message, #lastUpdatedAt = :now, ${OUTBOX_SET}`;
    if (settlement.status === "completed") {
      names["#result"] = "result";
      values[":result"] = JSON.stringify(settlement.result);
      set += ", #result = :result";
    } else if (settlement.status === "failed") {
      names["#errorType"] = "errorType";
      names["#error"] = "error";
      values[":errorType"] = settlement.error.type;
      values[":error"] = errorDetail(settlement.error);
      set += ", #errorType = :errorType, #error = :error";
    }
    names["#workingSince"] = "workingSince";
    return this.#updateIfWorking(id, `SET ${set} REMOVE #workingSince`, names, values);
  }

  async cancelBeforeStart(
    id: string,
    statusMessage: string,
    at: string,
    event: EventFields,
  ): Promise<boolean> {
    return this.#updateIfWorking(
      id,
      `SET #status = :cancelled, #statusMessage = :message, #lastUpdatedAt = :now, ${OUTBOX_SET} REMOVE #workingSince, #input`,
      {
        "#status": "status",
        "#statusMessage": "statusMessage",
        "#lastUpdatedAt": "lastUpdatedAt",
        "#workingSince": "workingSince",
        "#input": "input",
        ...OUTBOX_NAMES,
      },
      {
        ":cancelled": "cancelled",
        ":message": statusMessage,
        ":now": at,
        ":working": "working",
        ":inputRequired": "input_required",
        ...outboxValues(event),
      },
      " AND attribute_not_exists(toolStartedAt)",
      "(#status = :working OR #status = :inputRequired)",
    );
  }

  noteInput(id: string, input: PendingInput, statusMessage: string, at: string): Promise<boolean> {
    return this.#updateIfWorking(
      id,
      "SET #input = :input, #statusMessage = :message, #lastUpdatedAt = :now",
      {
        "#status": "status",
        "#input": "input",
        "#statusMessage": "statusMessage",
        "#lastUpdatedAt": "lastUpdatedAt",
      },
      {
        ":inputRequired": "input_required",
        ":input": JSON.stringify(input),
        ":message": statusMessage,
        ":now": at,
      },
      "",
      "#status = :inputRequired",
    );
  }

  resumeWithInput(id: string, args: JsonObject, statusMessage: string, at: string): Promise<boolean> {
    // The sparse working index starts listing it now: the sweeper watches a resumed call like any other.
    return this.#updateIfWorking(
      id,
      "SET #status = :working, #arguments = :arguments, #statusMessage = :message, #lastUpdatedAt = :now, #workingSince = :now REMOVE #input",
      {
        "#status": "status",
        "#arguments": "arguments",
        "#statusMessage": "statusMessage",
        "#lastUpdatedAt": "lastUpdatedAt",
        "#workingSince": "workingSince",
        "#input": "input",
      },
      {
        ":working": "working",
        ":inputRequired": "input_required",
        ":arguments": JSON.stringify(args),
        ":message": statusMessage,
        ":now": at,
      },
      "",
      "#status = :inputRequired",
    );
  }

  async markEventSent(id: string): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { id },
        UpdateExpression: "REMOVE #outbox",
        ExpressionAttributeNames: { "#outbox": "outbox" },
      }),
    );
  }

  async annotate(
    id: string,
    note: { statusMessage: string; cancelRequestedAt?: string },
    at: string,
  ): Promise<boolean> {
    const names: Record<string, string> = {
      "#status": "status",
      "#statusMessage": "statusMessage",
      "#lastUpdatedAt": "lastUpdatedAt",
    };
    const values: Record<string, unknown> = {
      ":message": note.statusMessage,
      ":now": at,
      ":working": "working",
    };
    let set = "#statusMessage = :message, #lastUpdatedAt = :now";
    if (note.cancelRequestedAt) {
      names["#cancelRequestedAt"] = "cancelRequestedAt";
      values[":cancelRequestedAt"] = note.cancelRequestedAt;
      set += ", #cancelRequestedAt = :cancelRequestedAt";
    }
    return this.#updateIfWorking(id, `SET ${set}`, names, values);
  }

  async notePush(id: string, receipt: PushReceipt): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { id },
          UpdateExpression: "SET #push = :push",
          ConditionExpression: "attribute_exists(#id)",
          ExpressionAttributeNames: { "#push": "push", "#id": "id" },
          ExpressionAttributeValues: { ":push": JSON.stringify(receipt) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** An update that applies only while the record is working (a terminal status never changes). */
  async #updateIfWorking(
    id: string,
    expression: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
    extraCondition = "",
    statusCondition = "#status = :working",
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { id },
          UpdateExpression: expression,
          ConditionExpression: `${statusCondition}${extraCondition}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async listWorking(before: string, limit = 100, options: ListOptions = {}): Promise<RequestRecord[]> {
    const where = {
      names: { "#status": "status", "#workingSince": "workingSince" },
      values: { ":working": "working", ":before": before },
      limit,
    };
    // Read from the table, a record from before the index existed has no workingSince: it is working all the same.
    const filter = "#status = :working AND (attribute_not_exists(#workingSince) OR #workingSince < :before)";
    if (options.fromTable) return this.#scan(filter, where);
    return this.#queryIndex(WORKING_INDEX, "#status = :working AND #workingSince < :before", where, filter);
  }

  async listPendingEvents(before: string, limit = 100, options: ListOptions = {}): Promise<RequestRecord[]> {
    const where = {
      names: { "#outbox": "outbox", "#settledAt": "settledAt" },
      values: { ":pending": "pending", ":before": before },
      limit,
    };
    const condition = "#outbox = :pending AND #settledAt < :before";
    if (options.fromTable) return this.#scan(condition, where);
    return this.#queryIndex(OUTBOX_INDEX, condition, where, condition);
  }

  /**
   * A query of a sparse index; on a table made before that index existed (a local store from an earlier version:
   * the embedded store cannot add an index to a table), the same condition as a scan of the table.
   */
  async #queryIndex(
    index: string,
    condition: string,
    where: Where,
    asFilter: string,
  ): Promise<RequestRecord[]> {
    const records: RequestRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      let page: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };
      try {
        page = await this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: index,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: where.names,
            ExpressionAttributeValues: where.values,
            Limit: Math.min(where.limit - records.length, 100),
            ExclusiveStartKey: start,
          }),
        );
      } catch (error) {
        if ((error as Error).name === "ValidationException" && /index/i.test((error as Error).message)) {
          return this.#scan(asFilter, where);
        }
        throw error;
      }
      // The index holds a copy of each item; the item itself is the truth.
      for (const item of page.Items ?? []) {
        const record = await this.get(String(item.id));
        if (record) records.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start && records.length < where.limit);
    return records;
  }

  async #scan(filter: string, where: Where): Promise<RequestRecord[]> {
    const records: RequestRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new ScanCommand({
          TableName: this.#table,
          FilterExpression: filter,
          ExpressionAttributeNames: where.names,
          ExpressionAttributeValues: where.values,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) records.push(fromItem(item));
      start = page.LastEvaluatedKey;
    } while (start && records.length < where.limit);
    return records.slice(0, where.limit);
  }

  async listByOwner(owner: string, page: { limit: number; cursor?: string }): Promise<RecordPage> {
    const result = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: OWNER_INDEX,
        KeyConditionExpression: "#owner = :owner",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":owner": owner },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.cursor ? decodeCursor(page.cursor, owner) : undefined,
      }),
    );
    const listed: RecordPage = { records: (result.Items ?? []).map(fromItem) };
    if (result.LastEvaluatedKey) listed.nextCursor = encodeCursor(result.LastEvaluatedKey);
    return listed;
  }
}

/** A condition's names and values, and how many records to return at most. */
interface Where {
  names: Record<string, string>;
  values: Record<string, unknown>;
  limit: number;
}

/** The outbox fields every settling write sets, as the state machine's own settling writes do. */
const OUTBOX_SET =
  "#outbox = :pending, #settledAt = :now, #eventSummary = :eventSummary, #eventDurationMs = :eventDurationMs";
const OUTBOX_NAMES = {
  "#outbox": "outbox",
  "#settledAt": "settledAt",
  "#eventSummary": "eventSummary",
  "#eventDurationMs": "eventDurationMs",
};

/** Stored as the state machine stores them: the duration as a string ("null" when unknown). */
function outboxValues(event: EventFields): Record<string, unknown> {
  return {
    ":pending": "pending",
    ":eventSummary": event.summary,
    ":eventDurationMs": String(event.durationMs),
  };
}
