import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoSitePace } from "../adapters/dynamo-site-pace.ts";
import { type Clock, systemClock } from "../core/ports.ts";
import { CpsGolfSessions, type GolfDeps } from "../tools/cps-golf.ts";
import { CPS_GOLF_PACE } from "../tools/site-pacer.ts";
import { coursesFromEnv, secretsFromEnv, upstreamClient } from "./environment.ts";

/**
 * The golf tools' deps in a deployed function, built once per container (sessions survive between calls). With
 * SITE_PACE_TABLE_NAME, every instance of every golf function keeps one pace per site together.
 */
export function golfDepsFromEnv(env: NodeJS.ProcessEnv, clock: Clock = systemClock): GolfDeps {
  const table = env.SITE_PACE_TABLE_NAME;
  const shared = table ? new DynamoSitePace(new DynamoDBClient({}), table, CPS_GOLF_PACE) : undefined;
  return {
    courses: coursesFromEnv(env),
    secrets: secretsFromEnv(env),
    http: upstreamClient(0),
    sessions: new CpsGolfSessions(CPS_GOLF_PACE, shared),
    clock,
    newId: randomUUID,
  };
}
