import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ToolInvocation, ToolOutcome } from "../core/tool-invocation.ts";
import { IDEMPOTENCY_TABLE } from "./tables.ts";

export interface IdempotencyStore {
  client: DynamoDBClient;
  tableName: string;
  /** How long a finished call's outcome is kept and replayed. */
  expiresAfterSeconds: number;
  /**
   * Outside Lambda (no context to ask), how long a run counts as in progress before another may take over: the
   * Task state's timeout.
   */
  inProgressMs?: number;
}

/**
 * How long a request's side effect (a booking, a push, a cancellation) replays its outcome: as long as its request
 * record is kept, so no re-sent request the server still knows can act twice.
 */
export const REQUEST_REPLAY_SECONDS = 30 * 24 * 3600;

/** The Lambda context, when there is one: its remaining time bounds how long a call counts as in progress. */
type LambdaContextLike = { getRemainingTimeInMillis(): number };

/**
 * Wraps a tool's function in Powertools idempotency over DynamoDB, keyed on the request id: a second invocation
 * for the same request (a Lambda retry, a redriven execution) gets the first outcome instead of running again, and
 * one that arrives while the first is running fails with IdempotencyAlreadyInProgressError. A failed run leaves no
 * record, so only a run that reached an outcome is replayed. The same request id with other arguments is refused.
 */
export function idempotentByRequest(
  name: string,
  run: (event: ToolInvocation) => Promise<ToolOutcome>,
  store: IdempotencyStore,
) {
  return idempotent(name, run, store, { keyPath: "requestId", validatePath: "arguments" });
}

/**
 * Any function of one JSON event made idempotent on the value at `keyPath` (a JMESPath), optionally refusing a
 * repeat whose `validatePath` value differs.
 */
export function idempotent<Event extends object, Result>(
  name: string,
  run: (event: Event) => Promise<Result>,
  store: IdempotencyStore,
  paths: { keyPath: string; validatePath?: string },
) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: paths.keyPath,
    ...(paths.validatePath ? { payloadValidationJmesPath: paths.validatePath } : {}),
    expiresAfterSeconds: store.expiresAfterSeconds,
    throwOnNoIdempotencyKey: true,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: store.tableName,
    awsSdkV3Client: store.client,
    keyAttr: IDEMPOTENCY_TABLE.partitionKey.name,
    expiryAttr: IDEMPOTENCY_TABLE.timeToLiveAttribute ?? "expiration",
  });
  const wrapped = makeIdempotent(run, { persistenceStore, config, keyPrefix: name });
  const fallback = { getRemainingTimeInMillis: () => store.inProgressMs ?? 60_000 };
  return (event: Event, context?: LambdaContextLike): Promise<Result> => {
    config.registerLambdaContext((context ?? fallback) as never);
    return wrapped(event);
  };
}
