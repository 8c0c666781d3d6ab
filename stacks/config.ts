import { readFileSync } from "node:fs";
import { checkGolferId, DEFAULT_GOLFER } from "../functions/core/golfers.ts";
import { isLoopback } from "../functions/core/loopback.ts";
import { NTFY_TOPIC_PATTERN } from "../functions/core/secrets.ts";
import { type Course, parseCourses, serializeCourses } from "../functions/tools/courses.ts";

/** One stage's settings, from cdk.json's context ("rez-agent-mcp" → stage name), validated before anything is built. */
export interface StageConfig {
  stage: string;
  /** Golf courses, as the local courses file; passed to the functions as COURSES_JSON. */
  coursesJson: string;
  ntfy: { baseUrl: string; topic?: string };
  syncBudgetSeconds: number;
  retentionDays: number;
  usagePlan: { rateLimit: number; burstLimit: number; quotaPerDay: number };
  logRetentionDays: number;
  archiveRetentionDays: number;
  /** Whether data survives `cdk destroy` (prod: yes). */
  retainData: boolean;
  /**
   * Whether the stack sets the account's API Gateway CloudWatch role (needed once per account and region for the
   * stage's access logs). Off for an account whose role is managed elsewhere.
   */
  apiGatewayCloudWatchRole: boolean;
  /** Other weather services than the public ones (a proxy, or the rehearsal's simulators). */
  weatherEndpoints: { nwsBaseUrl?: string; geocodingBaseUrl?: string; openMeteoBaseUrl?: string };
  /**
   * The golfers besides the default one (functions/core/golfers.ts): each gets an API key bound to it and a secret
   * of its own. None: one golfer for every key.
   */
  golfers: string[];
  /** Browser origins allowed to call the endpoint (CORS), e.g. https://claude.ai. None: no browser may. */
  allowedOrigins: string[];
  /**
   * Ask the golfer before each booking where the client can ask (MCP 2026-07-28 elicitation); default true. Off, a
   * booking call books as the model sends it.
   */
  confirmBookings: boolean;
  /** Where alarms are sent, if anywhere. */
  alarmEmail?: string;
}

/** Lambda's environment holds 4 KB in all; the courses must leave room for the rest. */
const MAX_COURSES_BYTES = 2_500;

const KNOWN = [
  "coursesFile",
  "ntfyBaseUrl",
  "ntfyTopic",
  "syncBudgetSeconds",
  "retentionDays",
  "usagePlan",
  "logRetentionDays",
  "archiveRetentionDays",
  "retainData",
  "alarmEmail",
  "apiGatewayCloudWatchRole",
  "weatherEndpoints",
  "golfers",
  "allowedOrigins",
  "confirmBookings",
];

/** Each golfer adds an API key and a secret; a stage is for a household or a club's few, not a directory. */
const MAX_GOLFERS = 20;

const WEATHER_ENDPOINTS = ["nwsBaseUrl", "geocodingBaseUrl", "openMeteoBaseUrl"];

/** https, or http on a loopback address (the rehearsal's simulators). */
function isServiceUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
  } catch {
    return false;
  }
}

function fail(stage: string, message: string): never {
  throw new Error(`Stage "${stage}": ${message}`);
}

function positive(
  stage: string,
  raw: Record<string, unknown>,
  key: string,
  fallback: number,
  max: number,
): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > max) {
    fail(stage, `"${key}" must be a number above 0 and at most ${max}`);
  }
  return value;
}

function coursesJsonOf(stage: string, file: unknown, resolve: (path: string) => string): string {
  if (file === undefined) return "[]";
  if (typeof file !== "string") fail(stage, `"coursesFile" must be a path`);
  let courses: Course[];
  try {
    courses = parseCourses(JSON.parse(readFileSync(resolve(file), "utf8")));
  } catch (error) {
    fail(stage, `the courses file ${file}: ${(error as Error).message}`);
  }
  const json = serializeCourses(courses);
  if (Buffer.byteLength(json) > MAX_COURSES_BYTES) {
    fail(stage, `the courses take ${Buffer.byteLength(json)} bytes; at most ${MAX_COURSES_BYTES} fit`);
  }
  return json;
}

/** https origins (scheme and host, no path), as browsers send them in Origin. */
function originsOf(stage: string, value: unknown): string[] {
  if (value === undefined) return [];
  const valid = (origin: unknown) => {
    if (typeof origin !== "string") return false;
    try {
      return new URL(origin).protocol === "https:" && new URL(origin).origin === origin;
    } catch {
      return false;
    }
  };
  if (!Array.isArray(value) || value.length > 10 || !value.every(valid)) {
    fail(stage, `"allowedOrigins" must be at most 10 https origins, such as "https://claude.ai"`);
  }
  return value as string[];
}

function golfersOf(stage: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_GOLFERS) {
    fail(stage, `"golfers" must be a list of at most ${MAX_GOLFERS} golfer ids`);
  }
  const golfers = value.map((id) => {
    try {
      return checkGolferId(id, `"golfers"`);
    } catch (error) {
      return fail(stage, (error as Error).message);
    }
  });
  if (golfers.includes(DEFAULT_GOLFER))
    fail(stage, `"golfers": the default golfer is always there; name the others`);
  if (new Set(golfers).size !== golfers.length) fail(stage, `"golfers" names a golfer twice`);
  return golfers;
}

/**
 * Reads and checks a stage's settings. `settings` is the stage's object in cdk.json; `resolve` turns the courses
 * file's path (relative to the project) into one that can be read.
 */
export function parseStageConfig(
  stage: string,
  settings: unknown,
  resolve: (path: string) => string,
): StageConfig {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage))
    fail(stage, "the stage name must be lowercase letters, digits and -");
  if (typeof settings !== "object" || settings === null)
    fail(stage, "no settings for it in cdk.json's context");
  const raw = settings as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!KNOWN.includes(key)) fail(stage, `unknown setting "${key}"`);
  const ntfyBaseUrl = raw.ntfyBaseUrl ?? "https://ntfy.sh";
  if (typeof ntfyBaseUrl !== "string" || !isServiceUrl(ntfyBaseUrl)) {
    fail(stage, `"ntfyBaseUrl" must be an https URL`);
  }
  const endpoints = (raw.weatherEndpoints ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(endpoints)) {
    if (!WEATHER_ENDPOINTS.includes(key) || typeof value !== "string" || !isServiceUrl(value)) {
      fail(stage, `"weatherEndpoints" may set ${WEATHER_ENDPOINTS.join(", ")} to https URLs`);
    }
  }
  const topic = raw.ntfyTopic;
  if (topic !== undefined && (typeof topic !== "string" || !NTFY_TOPIC_PATTERN.test(topic))) {
    fail(stage, `"ntfyTopic" must be 1-64 letters, digits, - or _`);
  }
  const plan = (raw.usagePlan ?? {}) as Record<string, unknown>;
  const config: StageConfig = {
    stage,
    coursesJson: coursesJsonOf(stage, raw.coursesFile, resolve),
    ntfy: { baseUrl: ntfyBaseUrl, ...(topic ? { topic: topic as string } : {}) },
    syncBudgetSeconds: positive(stage, raw, "syncBudgetSeconds", 20, 25),
    retentionDays: positive(stage, raw, "retentionDays", 30, 365),
    usagePlan: {
      rateLimit: positive(stage, plan, "rateLimit", 5, 10_000),
      burstLimit: positive(stage, plan, "burstLimit", 10, 5_000),
      quotaPerDay: positive(stage, plan, "quotaPerDay", 2_000, 10_000_000),
    },
    logRetentionDays: positive(stage, raw, "logRetentionDays", 30, 3653),
    archiveRetentionDays: positive(stage, raw, "archiveRetentionDays", 30, 3650),
    retainData: raw.retainData === true,
    weatherEndpoints: endpoints as StageConfig["weatherEndpoints"],
    apiGatewayCloudWatchRole: raw.apiGatewayCloudWatchRole !== false,
    golfers: golfersOf(stage, raw.golfers),
    allowedOrigins: originsOf(stage, raw.allowedOrigins),
    confirmBookings: raw.confirmBookings !== false,
  };
  if (raw.confirmBookings !== undefined && typeof raw.confirmBookings !== "boolean") {
    fail(stage, `"confirmBookings" must be true or false`);
  }
  if (raw.alarmEmail !== undefined) {
    if (typeof raw.alarmEmail !== "string" || !/^[^@\s]+@[^@\s]+$/.test(raw.alarmEmail)) {
      fail(stage, `"alarmEmail" must be an email address`);
    }
    config.alarmEmail = raw.alarmEmail;
  }
  return config;
}
