import { rm } from "node:fs/promises";
import { Agent, type Server } from "node:http";
import { type AddressInfo, createConnection } from "node:net";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import type { TableDefinition } from "../functions/adapters/tables.ts";

export interface LocalDynamo {
  client: DynamoDBClient;
  /** Where it listens: an http:// URL on loopback, or a Unix socket's path. */
  endpoint: string;
  /** Takes the store off the network (connections refused) until `resume`: fault injection for tests. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where the store listens. A Unix socket (the local runtime's choice) in a folder only the owner can enter means no
 * other process, and no web page, can reach it: dynalite has no credentials and answers CORS for any origin. TCP on
 * loopback is for what must reach it from other processes (the rehearsal's functions, the entry-point tests).
 */
export type DynamoListen = { tcp: true } | { socket: string };

/**
 * Connections the server keeps to its store's socket. dynalite answers one request at a time, so more connections
 * add no speed; a burst beyond them waits in the agent's queue instead of overflowing the socket's listen backlog
 * (which refuses a connection outright: EAGAIN).
 */
export const STORE_CONNECTIONS = 32;
/** The socket's listen backlog: room for every connection the pool opens at once, and for other clients' bursts. */
const STORE_BACKLOG = 1_024;

/** dynalite persisted under `path`, reached through the real AWS SDK client. */
export async function startLocalDynamo(
  path: string,
  listenOn: DynamoListen = { tcp: true },
  /** How long a new table stays CREATING, as on AWS (0 unless set: a tick, which a loaded machine still sees). */
  timing: { createTableMs?: number } = {},
): Promise<LocalDynamo> {
  const server = dynalite({
    path,
    createTableMs: timing.createTableMs ?? 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  }) as Server;
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      const done = () => {
        server.off("error", reject);
        resolve();
      };
      if ("socket" in listenOn) server.listen({ path: listenOn.socket, backlog: STORE_BACKLOG }, done);
      else server.listen(port, "127.0.0.1", done);
    });
  if ("socket" in listenOn) await rm(listenOn.socket, { force: true });
  await listen(0);
  let client: DynamoDBClient;
  let endpoint: string;
  const base = { region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } };
  if ("socket" in listenOn) {
    endpoint = listenOn.socket;
    // Every connection of this agent goes to the socket; the URL's host is never resolved.
    const agent = new Agent({ keepAlive: true, maxSockets: STORE_CONNECTIONS });
    agent.createConnection = (_options, callback) => {
      const socket = createConnection({ path: listenOn.socket });
      callback?.(null, socket);
      return socket;
    };
    client = new DynamoDBClient({
      ...base,
      endpoint: "http://dynalite.socket",
      // A full queue is the design, not a problem: the SDK's "socket usage at capacity" warning is not printed.
      requestHandler: { httpAgent: agent, logger: { ...console, warn: () => {} } },
    });
  } else {
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new DynamoDBClient({ ...base, endpoint });
  }
  const port = "socket" in listenOn ? 0 : (server.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    client,
    endpoint,
    pause: stop,
    resume: () => listen(port),
    close: async () => {
      client.destroy();
      await stop();
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

/**
 * Creates the tables that do not exist yet (a restart finds them on disk), and returns once each is ACTIVE: a new
 * table is CREATING for a moment (a timer in dynalite, seconds on AWS), and a write to it then is
 * ResourceNotFoundException.
 */
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
  for (const { name } of tables) await untilActive(client, name);
}

async function untilActive(client: DynamoDBClient, name: string): Promise<void> {
  for (let waited = 0; ; waited += 10) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === "ACTIVE") return;
    if (waited > 30_000) throw new Error(`The table ${name} is still ${Table?.TableStatus} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
