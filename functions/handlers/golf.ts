import { randomUUID } from "node:crypto";
import { type Clock, systemClock } from "../core/ports.ts";
import { CpsGolfSessions, type GolfDeps } from "../tools/cps-golf.ts";
import { coursesFromEnv, secretsFromEnv, upstreamClient } from "./environment.ts";

/** The golf tools' deps in a deployed function, built once per container (sessions survive between calls). */
export function golfDepsFromEnv(env: NodeJS.ProcessEnv, clock: Clock = systemClock): GolfDeps {
  return {
    courses: coursesFromEnv(env),
    secrets: secretsFromEnv(env),
    http: upstreamClient(0),
    sessions: new CpsGolfSessions(),
    clock,
    newId: randomUUID,
  };
}
