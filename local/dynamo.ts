import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import type { TableDefinition } from "../functions/adapters/tables.ts";

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  /** Takes the store off the network (connections refused) until `resume`: fault injection for tests. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** dynalite on loopback, persisted under `path`, reached through the real AWS SDK client. */
export async function startLocalDynamo(path: string): Promise<LocalDynamo> {
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    client,
    endpoint,
    pause: stop,
    resume: () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve())),
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The CreateTable input of a definition: the same keys and indexes the CDK stack declares. */
export function createTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, "S" | "N">();
  const keyOf = (key: { name: string; type: "S" | "N" }) => {
    attributes.set(key.name, key.type);
    return key.name;
  };
  const keySchema = (pk: TableDefinition["partitionKey"], sk?: TableDefinition["sortKey"]) => [
    { AttributeName: keyOf(pk), KeyType: "HASH" as const },
    ...(sk ? [{ AttributeName: keyOf(sk), KeyType: "RANGE" as const }] : []),
  ];
  const input: CreateTableCommandInput = {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    AttributeDefinitions: [],
  };
  if (definition.globalSecondaryIndexes?.length) {
    input.GlobalSecondaryIndexes = definition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: { ProjectionType: "ALL" },
    }));
  }
  input.AttributeDefinitions = [...attributes].map(([AttributeName, AttributeType]) => ({
    AttributeName,
    AttributeType,
  }));
  return input;
}

/** Creates the tables that do not exist yet (a restart finds them on disk). */
export async function ensureTables(
  client: DynamoDBClient,
  tables: readonly { definition: TableDefinition; name: string }[],
) {
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  for (const { definition, name } of tables) {
    if (existing.has(name)) continue;
    await client.send(new CreateTableCommand(createTableInput(definition, name)));
    if (definition.timeToLiveAttribute) {
      await client
        .send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
          }),
        )
        .catch(() => {
          // dynalite does not implement TTL; the attribute is still written, and the stack enables it on AWS.
        });
    }
  }
}
