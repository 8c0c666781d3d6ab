import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { DynamoDbRequestStore } from "../functions/adapters/dynamodb-request-store.ts";
import { IDEMPOTENCY_TABLE, REQUEST_TABLE } from "../functions/adapters/tables.ts";
import { DEFAULT_FRONT_CONFIG, type FrontConfig } from "../functions/core/config.ts";
import { createFront, type Front } from "../functions/core/front.ts";
import type { JsonObject } from "../functions/core/json.ts";
import { systemClock, type WorkflowInput } from "../functions/core/ports.ts";
import { ToolRegistry } from "../functions/core/tool.ts";
import { DEFAULT_WEATHER_CONFIG, USER_AGENT } from "../functions/handlers/environment.ts";
import { createGetWeatherHandler } from "../functions/handlers/get-weather.ts";
import { type Course, parseCourses } from "../functions/tools/courses.ts";
import { TOOL_DEFINITIONS } from "../functions/tools/definitions.ts";
import type { WeatherConfig } from "../functions/tools/get-weather.ts";
import { UpstreamClient } from "../functions/tools/upstream.ts";
import { loadLocalKeys } from "./api-keys.ts";
import { LocalEventBus } from "./bus.ts";
import { ensureTables, startLocalDynamo } from "./dynamo.ts";
import { listen } from "./http-server.ts";
import {
  LOCAL_IDEMPOTENCY_TABLE,
  LOCAL_REQUEST_TABLE,
  LOCAL_SUBSTITUTIONS,
  localFunctionArn,
  WORKFLOW_FUNCTIONS,
} from "./resources.ts";
import { RecordSignals } from "./signals.ts";
import { startNwsSimulator } from "./simulators/nws.ts";
import { startOpenMeteoSimulator } from "./simulators/open-meteo.ts";
import type { Simulator } from "./simulators/sim-server.ts";
import { LocalWorkflow } from "./workflow.ts";

export interface RuntimeOptions {
  /** Where records, keys and events live between starts. */
  dataDir: string;
  /** JSONL file every event is appended to (default: events.jsonl in the data folder). */
  eventsFile?: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  upstreams: "live" | "simulated";
  /** The API key from REZ_AGENT_MCP_API_KEY, if set. */
  apiKey?: string;
  /** A courses file (JSON); simulated mode defaults to the sample courses. */
  coursesFile?: string;
  /** Front settings to change (sync budget, limits). */
  front?: Partial<FrontConfig>;
  /** Weather endpoints to change (tests point them at their own simulators). */
  weather?: Partial<WeatherConfig>;
  /** Upstream request timeout, in milliseconds. */
  upstreamTimeoutMs?: number;
  /** Upstream response cache, in milliseconds (0 turns it off). */
  upstreamCacheMs?: number;
  /** Milliseconds between workflow retries instead of the definition's backoff (tests). */
  retryDelayMs?: number;
  /** How long a stop waits for running executions. */
  graceMs?: number;
  /** Operator messages (stderr in the CLI). */
  log: (line: string) => void;
}

export interface Runtime {
  /** http://host:port */
  url: string;
  /** The MCP endpoint: http://host:port/mcp */
  mcpUrl: string;
  port: number;
  /** The API key, when this start generated it (shown once). */
  generatedApiKey?: string;
  keySource: "environment" | "generated" | "keys-file";
  eventsFile: string;
  front: Front;
  workflow: LocalWorkflow;
  bus: LocalEventBus;
  /** The simulated upstreams, in simulated mode. */
  simulators: { nws?: Simulator; openMeteo?: Simulator };
  /** Records left working by an earlier crash, and what was done with them. */
  recovered: { restarted: number; failed: number };
  stop(): Promise<void>;
}

const SAMPLE_COURSES = new URL("./sample-courses.json", import.meta.url);

async function loadCourses(file: string | URL | undefined): Promise<Course[]> {
  if (!file) return [];
  try {
    return parseCourses(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    throw new Error(`Cannot read the courses file ${String(file)}: ${(error as Error).message}`);
  }
}

/**
 * Starts the whole system in this process: dynalite on disk, the tables, the event bus, the state machine runner,
 * the tool handlers and the loopback HTTP server with the same front handler as the Lambda.
 *
 * @example
 * const runtime = await startRuntime({ dataDir: ".rez-agent-mcp", host: "127.0.0.1", port: 3000, upstreams: "simulated", log: console.error });
 * // ... POST runtime.mcpUrl with x-api-key ...
 * await runtime.stop();
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  const reportError = (error: unknown) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    options.log(`error: ${text}`);
  };
  try {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const eventsFile = options.eventsFile ?? join(options.dataDir, "events.jsonl");

    const dynamo = await startLocalDynamo(join(options.dataDir, "dynamodb"));
    cleanups.push(dynamo.close);
    await ensureTables(dynamo.client, [
      { definition: REQUEST_TABLE, name: LOCAL_REQUEST_TABLE },
      { definition: IDEMPOTENCY_TABLE, name: LOCAL_IDEMPOTENCY_TABLE },
    ]);

    const simulators: Runtime["simulators"] = {};
    let weatherConfig: WeatherConfig = { ...DEFAULT_WEATHER_CONFIG };
    if (options.upstreams === "simulated") {
      simulators.nws = await startNwsSimulator();
      cleanups.push(simulators.nws.close);
      simulators.openMeteo = await startOpenMeteoSimulator();
      cleanups.push(simulators.openMeteo.close);
      weatherConfig = {
        nwsBaseUrl: simulators.nws.url,
        geocodingBaseUrl: simulators.openMeteo.url,
        openMeteoBaseUrl: simulators.openMeteo.url,
      };
    }
    weatherConfig = { ...weatherConfig, ...options.weather };
    const courses = await loadCourses(
      options.coursesFile ?? (options.upstreams === "simulated" ? SAMPLE_COURSES : undefined),
    );

    const keys = await loadLocalKeys(join(options.dataDir, "api-keys.json"), options.apiKey);
    const signals = new RecordSignals();
    const store = signals.signalling(new DynamoDbRequestStore(dynamo.client, LOCAL_REQUEST_TABLE));
    const bus = new LocalEventBus({ eventsFile, onError: reportError });
    cleanups.push(() => bus.flush());

    const http = new UpstreamClient({
      fetch,
      userAgent: USER_AGENT,
      timeoutMs: options.upstreamTimeoutMs ?? 8_000,
      cacheTtlMs: options.upstreamCacheMs ?? 300_000,
    });
    const logger = { error: (message: string) => options.log(`error: ${message}`) };
    const getWeather = createGetWeatherHandler({
      weather: { config: weatherConfig, courses, http },
      clock: systemClock,
      logger,
    });

    const workflow = new LocalWorkflow({
      substitutions: LOCAL_SUBSTITUTIONS,
      functions: {
        [localFunctionArn(WORKFLOW_FUNCTIONS.get_weather.name)]: (payload: JsonObject) =>
          getWeather(payload as unknown as WorkflowInput),
      },
      dynamodb: dynamo.client,
      bus,
      onItemWritten: (id) => signals.notify(id),
      // What the stack's reconciler does with Step Functions' status-change events.
      onExecutionFailed: async (input, reason) => {
        const call = { ...input, id: input.requestId, createdAt: new Date(input.startedAt).toISOString() };
        const message = `The workflow stopped unexpectedly (${reason}). The call did not finish; try again.`;
        await (front as Front).calls.fail(call, { type: reason, message });
      },
      ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
      onError: reportError,
    });

    let front: Front | undefined;
    const server = await listen((request) => (front as Front).handle(request), options.host, options.port);
    cleanups.push(async () => {
      // Stop accepting, let running executions finish (bounded), then end the connections still open.
      const closing = server.close();
      const aborted = await workflow.drain(options.graceMs ?? 10_000);
      if (aborted > 0)
        options.log(`${aborted} call(s) still running were stopped; they resume at the next start.`);
      await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      server.server.closeAllConnections();
    });
    const hostPort = (name: string) => `${name}:${server.port}`;
    const loopbackNames = [options.host, "127.0.0.1", "localhost", "[::1]"];
    front = createFront(
      {
        tools: new ToolRegistry(TOOL_DEFINITIONS),
        store,
        starter: workflow,
        events: bus,
        clock: systemClock,
        changeSignal: signals.wait,
        authenticator: keys.authenticator,
        onUnexpectedError: reportError,
      },
      {
        ...DEFAULT_FRONT_CONFIG,
        allowedHosts: loopbackNames.map(hostPort),
        allowedOrigins: loopbackNames.map((name) => `http://${hostPort(name)}`),
        ...options.front,
      },
    );

    const recovered = { restarted: 0, failed: 0 };
    for (const record of await store.listByStatus("working")) {
      recovered[await front.calls.recover(record)] += 1;
    }

    const runtime: Runtime = {
      url: server.url,
      mcpUrl: `${server.url}/mcp`,
      port: server.port,
      keySource: keys.source,
      eventsFile,
      front,
      workflow,
      bus,
      simulators,
      recovered,
      stop: stopAll,
    };
    if (keys.generatedKey) runtime.generatedApiKey = keys.generatedKey;
    return runtime;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
