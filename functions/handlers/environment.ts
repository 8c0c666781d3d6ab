import type { Tracer } from "@aws-lambda-powertools/tracer";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDbRequestStore } from "../adapters/dynamodb-request-store.ts";
import type { IdempotencyStore } from "../adapters/idempotency.ts";
import { SecretsManagerSecrets } from "../adapters/secrets-manager.ts";
import type { Secrets } from "../core/ports.ts";
import { DocumentSecrets, secretsFromEnvironment } from "../core/secrets.ts";
import { parseCourses } from "../tools/courses.ts";
import type { WeatherConfig } from "../tools/get-weather.ts";
import type { NtfyConfig, NtfyDeps } from "../tools/ntfy.ts";
import { UpstreamClient } from "../tools/upstream.ts";

/** Reads one setting from the Lambda environment, failing with a message that names it. */
export function requiredEnv(env: NodeJS.ProcessEnv, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`Missing setting ${key} in the function's environment`);
  return value;
}

export const DEFAULT_WEATHER_CONFIG: WeatherConfig = {
  nwsBaseUrl: "https://api.weather.gov",
  geocodingBaseUrl: "https://geocoding-api.open-meteo.com",
  openMeteoBaseUrl: "https://api.open-meteo.com",
};

/** The weather settings of a deployed function: the public APIs unless overridden. */
export function weatherConfigFromEnv(env: NodeJS.ProcessEnv): WeatherConfig {
  return {
    nwsBaseUrl: env.NWS_BASE_URL ?? DEFAULT_WEATHER_CONFIG.nwsBaseUrl,
    geocodingBaseUrl: env.GEOCODING_BASE_URL ?? DEFAULT_WEATHER_CONFIG.geocodingBaseUrl,
    openMeteoBaseUrl: env.OPEN_METEO_BASE_URL ?? DEFAULT_WEATHER_CONFIG.openMeteoBaseUrl,
  };
}

/** Courses bundled with the function as JSON in COURSES_JSON (empty when unset). */
export function coursesFromEnv(env: NodeJS.ProcessEnv) {
  return env.COURSES_JSON ? parseCourses(JSON.parse(env.COURSES_JSON)) : [];
}

export const USER_AGENT = "rez-agent-mcp/0.1 (https://github.com/rez-agent-mcp)";

export const DEFAULT_NTFY_BASE_URL = "https://ntfy.sh";

/** ntfy settings: the server (ntfy.sh unless NTFY_BASE_URL) and the owner's topic (NTFY_TOPIC). */
export function ntfyConfigFromEnv(env: NodeJS.ProcessEnv): NtfyConfig {
  const config: NtfyConfig = { baseUrl: env.NTFY_BASE_URL ?? DEFAULT_NTFY_BASE_URL };
  if (env.NTFY_TOPIC) config.topic = env.NTFY_TOPIC;
  return config;
}

/**
 * The function's secrets: the Secrets Manager secrets the stack names (GOLF_SECRET_ARN, NTFY_SECRET_ARN, and each
 * named golfer's under GOLFER_SECRET_PREFIX), or else
 * the function's environment (NTFY_TOKEN, CPS_GOLF_USERNAME, CPS_GOLF_PASSWORD, CPS_GOLF_CLIENT_SECRET).
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv): Secrets {
  if (env.GOLF_SECRET_ARN || env.NTFY_SECRET_ARN || env.GOLFER_SECRET_PREFIX) {
    return new SecretsManagerSecrets(new SecretsManagerClient({}), {
      ...(env.GOLF_SECRET_ARN ? { golf: env.GOLF_SECRET_ARN } : {}),
      ...(env.NTFY_SECRET_ARN ? { ntfy: env.NTFY_SECRET_ARN } : {}),
      ...(env.GOLFER_SECRET_PREFIX ? { golfers: env.GOLFER_SECRET_PREFIX } : {}),
    });
  }
  return new DocumentSecrets(secretsFromEnvironment(env));
}

/** The ntfy deps of a deployed function (the notification tool and the booking rule's target). */
export function ntfyDepsFromEnv(env: NodeJS.ProcessEnv): NtfyDeps {
  return { config: ntfyConfigFromEnv(env), secrets: secretsFromEnv(env), http: upstreamClient(0) };
}

/** The idempotency table of a deployed function (IDEMPOTENCY_TABLE_NAME), its client traced. */
export function idempotencyStoreFromEnv(
  env: NodeJS.ProcessEnv,
  expiresAfterSeconds: number,
  tracer: Pick<Tracer, "captureAWSv3Client">,
): IdempotencyStore {
  return {
    client: tracer.captureAWSv3Client(new DynamoDBClient({})),
    tableName: requiredEnv(env, "IDEMPOTENCY_TABLE_NAME"),
    expiresAfterSeconds,
  };
}

/** The request table of a deployed function (REQUEST_TABLE_NAME), its client traced. */
export function requestStoreFromEnv(
  env: NodeJS.ProcessEnv,
  tracer: Pick<Tracer, "captureAWSv3Client">,
): DynamoDbRequestStore {
  return new DynamoDbRequestStore(
    tracer.captureAWSv3Client(new DynamoDBClient({})),
    requiredEnv(env, "REQUEST_TABLE_NAME"),
  );
}

/** The HTTP client of a deployed tool function. */
export function upstreamClient(cacheTtlMs: number): UpstreamClient {
  return new UpstreamClient({ fetch, userAgent: USER_AGENT, timeoutMs: 8_000, cacheTtlMs });
}
