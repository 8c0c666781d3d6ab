/**
 * The DynamoDB tables, as data: the CDK stack and the local runtime both build them from these definitions, so
 * the local store has the same keys and indexes as the deployed one.
 */
export interface TableDefinition {
  /** Logical name: the CDK construct id, and the local table name's suffix. */
  logicalName: string;
  partitionKey: { name: string; type: "S" | "N" };
  sortKey?: { name: string; type: "S" | "N" };
  timeToLiveAttribute?: string;
  globalSecondaryIndexes?: {
    indexName: string;
    partitionKey: { name: string; type: "S" | "N" };
    sortKey?: { name: string; type: "S" | "N" };
  }[];
}

/** One item per tool call; the id is also the execution name. */
export const REQUEST_TABLE: TableDefinition = {
  logicalName: "requests",
  partitionKey: { name: "id", type: "S" },
  timeToLiveAttribute: "expiresAt",
  globalSecondaryIndexes: [
    {
      indexName: "byOwner",
      partitionKey: { name: "owner", type: "S" },
      sortKey: { name: "createdAt", type: "S" },
    },
    {
      // Sparse: only records that carry workingSince (the working ones) are in it. The sweeper queries it.
      indexName: "working",
      partitionKey: { name: "status", type: "S" },
      sortKey: { name: "workingSince", type: "S" },
    },
    {
      // Sparse: only settled records whose event is not yet published (the outbox). Start-up and the sweeper read it.
      indexName: "outbox",
      partitionKey: { name: "outbox", type: "S" },
      sortKey: { name: "settledAt", type: "S" },
    },
  ],
};

/** Powertools idempotency's persistence layer (its default key attribute is `id`). */
export const IDEMPOTENCY_TABLE: TableDefinition = {
  logicalName: "idempotency",
  partitionKey: { name: "id", type: "S" },
  timeToLiveAttribute: "expiration",
};
