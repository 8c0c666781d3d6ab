import type { Tracer } from "@aws-lambda-powertools/tracer";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { STATE_MACHINES } from "../../statemachines/definitions.ts";
import { ApiGatewayKeyAuthenticator, golferKeysFromEnv } from "../adapters/api-gateway-key.ts";
import { DynamoDbRequestStore } from "../adapters/dynamodb-request-store.ts";
import { EventBridgePublisher } from "../adapters/eventbridge-publisher.ts";
import { ExpressLogHistories } from "../adapters/express-log-history.ts";
import { StepFunctionsHistories } from "../adapters/step-functions-history.ts";
import { StepFunctionsStarter } from "../adapters/step-functions-starter.ts";
import { Catalog } from "../core/catalog.ts";
import { DEFAULT_FRONT_CONFIG, type FrontConfig } from "../core/config.ts";
import { createFront, type Front, type FrontDeps } from "../core/front.ts";
import { systemClock } from "../core/ports.ts";
import { ToolRegistry } from "../core/tool.ts";
import { golfCatalog } from "../tools/golf-catalog.ts";
import { TOOL_DEFINITIONS } from "../tools/manifest.ts";
import { coursesFromEnv, requiredEnv } from "./environment.ts";

/** The front's settings on AWS, from the function's environment (set by the stack). */
export function frontConfigFromEnv(env: NodeJS.ProcessEnv): FrontConfig {
  const number = (key: string, fallback: number) => {
    const value = env[key];
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0)
      throw new Error(`Setting ${key} must be a number, not ${value}`);
    return parsed;
  };
  return {
    ...DEFAULT_FRONT_CONFIG,
    syncBudgetMs: number("SYNC_BUDGET_SECONDS", DEFAULT_FRONT_CONFIG.syncBudgetMs / 1000) * 1000,
    retentionSeconds: number("RETENTION_DAYS", DEFAULT_FRONT_CONFIG.retentionSeconds / 86_400) * 86_400,
    basePath: env.API_BASE_PATH ?? "",
    // The browser origins the stage allows (claude.ai's, a web client's): a JSON list, none when unset.
    allowedOrigins: env.ALLOWED_ORIGINS ? (JSON.parse(env.ALLOWED_ORIGINS) as string[]) : [],
    confirmBookings: env.CONFIRM_BOOKINGS !== "false",
  };
}

/**
 * The front's ports over the AWS adapters (DynamoDB, Step Functions, EventBridge, API Gateway's key check), for the
 * front Lambda and the reconciler. No change signal: the front polls the record with backoff.
 */
export function awsFrontDeps(
  env: NodeJS.ProcessEnv,
  onUnexpectedError: (error: unknown) => void,
  tracer?: Tracer,
): FrontDeps {
  const traced = <Client>(client: Client): Client => (tracer ? tracer.captureAWSv3Client(client) : client);
  return {
    machines: STATE_MACHINES,
    tools: new ToolRegistry(TOOL_DEFINITIONS),
    store: new DynamoDbRequestStore(traced(new DynamoDBClient({})), requiredEnv(env, "REQUEST_TABLE_NAME")),
    // Loaded on first use: a status poll, the commonest request, needs neither.
    starter: new StepFunctionsStarter(
      {
        standard: requiredEnv(env, "STATE_MACHINE_ARN"),
        express: requiredEnv(env, "EXPRESS_STATE_MACHINE_ARN"),
        scheduled: requiredEnv(env, "SCHEDULED_STATE_MACHINE_ARN"),
      },
      async () => {
        const sdk = await import("@aws-sdk/client-sfn");
        // A Step Functions stand-in (the rehearsal, Step Functions Local) has no "sync-" host for StartSyncExecution.
        const standIn = Boolean(env.AWS_ENDPOINT_URL_SFN ?? env.AWS_ENDPOINT_URL);
        return { sdk, client: traced(new sdk.SFNClient({ disableHostPrefix: standIn })) };
      },
    ),
    events: new EventBridgePublisher(requiredEnv(env, "EVENT_BUS_NAME"), async () => {
      const sdk = await import("@aws-sdk/client-eventbridge");
      return { sdk, client: traced(new sdk.EventBridgeClient({})) };
    }),
    clock: systemClock,
    authenticator: new ApiGatewayKeyAuthenticator(golferKeysFromEnv(env.GOLFER_KEYS)),
    catalog: new Catalog(golfCatalog(coursesFromEnv(env))),
    histories: new StepFunctionsHistories(
      async () => {
        const sdk = await import("@aws-sdk/client-sfn");
        const standIn = Boolean(env.AWS_ENDPOINT_URL_SFN ?? env.AWS_ENDPOINT_URL);
        return { sdk, client: traced(new sdk.SFNClient({ disableHostPrefix: standIn })) };
      },
      // The front's (the reconciler and the sweeper, which share these deps, read no history).
      env.EXPRESS_LOG_GROUP_NAME
        ? new ExpressLogHistories(env.EXPRESS_LOG_GROUP_NAME, async () => {
            const sdk = await import("@aws-sdk/client-cloudwatch-logs");
            return { sdk, client: traced(new sdk.CloudWatchLogsClient({})) };
          })
        : undefined,
    ),
    // Read on the first booking a client is asked to confirm, then kept for the instance's life.
    confirmationSecret: async () => {
      const sdk = await import("@aws-sdk/client-secrets-manager");
      const client = traced(new sdk.SecretsManagerClient({}));
      const answer = await client.send(
        new sdk.GetSecretValueCommand({ SecretId: requiredEnv(env, "CONFIRMATION_SECRET_ARN") }),
      );
      if (!answer.SecretString) throw new Error("The confirmation secret is empty");
      return answer.SecretString;
    },
    onUnexpectedError,
  };
}

/** The front of a deployed stack. */
export function awsFront(
  env: NodeJS.ProcessEnv,
  onUnexpectedError: (error: unknown) => void,
  tracer?: Tracer,
): Front {
  return createFront(awsFrontDeps(env, onUnexpectedError, tracer), frontConfigFromEnv(env));
}
