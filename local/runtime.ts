import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DynamoDbRequestStore } from "../functions/adapters/dynamodb-request-store.ts";
import type { IdempotencyStore } from "../functions/adapters/idempotency.ts";
import { REQUEST_REPLAY_SECONDS } from "../functions/adapters/idempotency.ts";
import { IDEMPOTENCY_TABLE, REQUEST_TABLE } from "../functions/adapters/tables.ts";
import { Catalog, type CatalogContent } from "../functions/core/catalog.ts";
import { DEFAULT_FRONT_CONFIG, type FrontConfig } from "../functions/core/config.ts";
import type { ToolCallEventDetail } from "../functions/core/events.ts";
import { type Answered, createFront, type Front } from "../functions/core/front.ts";
import { DEFAULT_GOLFER } from "../functions/core/golfers.ts";
import type { JsonObject } from "../functions/core/json.ts";
import { isLoopback, LOOPBACK_HOSTNAMES } from "../functions/core/loopback.ts";
import { type ExecutionState, systemClock, type WorkflowInput } from "../functions/core/ports.ts";
import { DocumentSecrets, namedGolfersOf, type SecretsDocument } from "../functions/core/secrets.ts";
import { ToolRegistry } from "../functions/core/tool.ts";
import { USER_AGENT } from "../functions/handlers/environment.ts";
import {
  createNotifyOnBookingHandler,
  NOTIFICATION_REPLAY_SECONDS,
} from "../functions/handlers/notify-on-booking.ts";
import { EXPRESS_LIMIT_MS, OUTBOX_GRACE_MS, SWEEP_GRACE_MS } from "../functions/handlers/sweeper.ts";
import { depsOf, entryModule, type FunctionBuilder } from "../functions/handlers/tool-function.ts";
import type { HandlerRuntime, ToolHandler } from "../functions/handlers/tool-handler.ts";
import { CpsGolfSessions, type GolfDeps } from "../functions/tools/cps-golf.ts";
import type { WeatherConfig } from "../functions/tools/get-weather.ts";
import { golfCatalog } from "../functions/tools/golf-catalog.ts";
import {
  EVENT_RULES,
  type FunctionToolName,
  functionPlaceholder,
  TOOL_DEFINITIONS,
  TOOL_FUNCTIONS,
  TOOL_MANIFEST,
  type ToolEntry,
} from "../functions/tools/manifest.ts";
import type { NtfyConfig, NtfyDeps } from "../functions/tools/ntfy.ts";
import type { Pace } from "../functions/tools/site-pacer.ts";
import type { Fetch } from "../functions/tools/upstream.ts";
import { UpstreamClient } from "../functions/tools/upstream.ts";
import { STATE_MACHINES } from "../statemachines/definitions.ts";
import { toolCallMachine } from "../statemachines/tool-call.ts";
import { loadLocalKeys } from "./api-keys.ts";
import { LocalEventBus } from "./bus.ts";
import { localConfirmationSecret } from "./confirmation-secret.ts";
import { fileProblem, ownerOnly, storeSocketPath } from "./data-folder.ts";
import { ensureTables, type LocalDynamo, startLocalDynamo } from "./dynamo.ts";
import { LocalExecutionHistories } from "./execution-recorder.ts";
import { listen } from "./http-server.ts";
import { requestLine } from "./request-log.ts";
import {
  LOCAL_IDEMPOTENCY_TABLE,
  LOCAL_REQUEST_TABLE,
  LOCAL_SUBSTITUTIONS,
  localFunctionArn,
} from "./resources.ts";
import { RecordSignals } from "./signals.ts";
import type { GolfSimulatorOptions } from "./simulators/cps-golf.ts";
import { REFUSED_FOR_FULL_DISK, settleGhosts } from "./store-ghosts.ts";
import { checkStoreOpens, notePid, RecordCount, StartupError } from "./store-guard.ts";
import { onStoreWriteError, StoreHealth } from "./store-health.ts";
import { type RetryPolicy, type SubscriberConfig, Subscribers } from "./subscribers.ts";
import { prepareUpstreams, type Simulators } from "./upstreams.ts";
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
  /**
   * "off" accepts requests without a key, all owned by "local": for conformance suites and inspectors that cannot
   * send a header. Refused unless the server binds to a loopback address.
   */
  auth?: "api-key" | "off";
  /** A courses file (JSON); simulated mode defaults to the sample courses. */
  coursesFile?: string;
  /** Front settings to change (sync budget, limits). */
  front?: Partial<FrontConfig>;
  /** Weather endpoints to change (tests point them at their own simulators). */
  weather?: Partial<WeatherConfig>;
  /** ntfy server and topic (simulated mode: the simulator and a demo topic unless set). */
  ntfy?: Partial<NtfyConfig>;
  /** Replaces tools' functions (the benchmark's zero-latency tool); everything around them stays the same. */
  toolHandlers?: Partial<Record<FunctionToolName, ToolHandler>>;
  /**
   * Tools, resources and prompts beyond the manifest's, served through the same front and state machines: the
   * conformance suite's fixtures (a test-only registry). Never set by the CLI.
   */
  extra?: ExtraOfferings;
  /**
   * Local subscribers to the completion events (local/subscribers.ts); the CLI reads them from a file. Each gets
   * every matching event at least once, following the events file.
   */
  subscribers?: readonly SubscriberConfig[];
  /** How a subscriber's target is retried before the dead letter (tests shorten it). */
  subscriberRetry?: RetryPolicy;
  /** Settings of the simulated golf sites beyond what the courses say (the benchmark books past the usual cap). */
  simulatedGolf?: Pick<GolfSimulatorOptions, "maxReservations" | "golfers">;
  /** Secrets, already loaded (the CLI reads the environment and the secrets file). */
  secrets?: SecretsDocument;
  /** Upstream request timeout, in milliseconds. */
  upstreamTimeoutMs?: number;
  /** Upstream response cache, in milliseconds (0 turns it off). */
  upstreamCacheMs?: number;
  /** Milliseconds between workflow retries instead of the definition's backoff (tests). */
  retryDelayMs?: number;
  /** The most history events a durable execution may write (Step Functions' 25,000 unless set: tests lower it). */
  historyEventLimit?: number;
  /**
   * How long a booking's or push's run counts as in progress for its idempotency record (90 s, the booking step's
   * timeout). Tests shorten it to prove nothing depends on it after a crash.
   */
  idempotencyInProgressMs?: number;
  /** Milliseconds between sweeps of calls left working (60 s). */
  sweepIntervalMs?: number;
  /** How long a stop waits for running executions. */
  graceMs?: number;
  /** Operator messages (stderr in the CLI). */
  log: (line: string) => void;
  /** Shrinks a watch's cadence: 0.005 makes its first minute 300 ms (tests). */
  watchCadenceScale?: number;
  /** How the tools reach their upstreams (the global fetch unless set: a test watches what leaves). */
  fetch?: Fetch;
  /** Each CPS Golf site's request pace (CPS_GOLF_PACE unless set: tests that check a watch a millisecond apart raise it). */
  golfPace?: Pace;
  /** Prints a line per answered request through `log` (the CLI does; tests need not). */
  logRequests?: boolean;
}

/** What a test adds to the server: tool entries as the manifest has them, their functions, and catalog content. */
export interface ExtraOfferings {
  entries: readonly ToolEntry[];
  /** Each extra tool's function, by tool name. */
  handlers: Readonly<Record<string, ToolHandler>>;
  catalog?: CatalogContent;
}

export interface Runtime {
  /** http://host:port */
  url: string;
  /** The MCP endpoint: http://host:port/mcp */
  mcpUrl: string;
  /** The web console (sign in with the API key). */
  consoleUrl: string;
  port: number;
  /** The generated API key, while no start has shown it yet. */
  generatedApiKey?: string;
  /** Call once the generated key has been shown: it is then forgotten (only its hash stays). */
  keyShown(): Promise<void>;
  keySource: "environment" | "generated" | "keys-file" | "none";
  /** The golfers the secrets name besides the default one, and how many keys act as none (the start banner). */
  golfers: { named: string[]; keysWithoutGolfer: number };
  eventsFile: string;
  front: Front;
  workflow: LocalWorkflow;
  /** The local DynamoDB (tests take it off the network for a moment). */
  dynamo: LocalDynamo;
  bus: LocalEventBus;
  /** The local subscribers (none unless configured). */
  subscribers: Subscribers;
  /** The simulated upstreams, in simulated mode. */
  simulators: Simulators;
  /** Whether a completed booking sends a push notification (it needs an ntfy topic). */
  notifiesBookings: boolean;
  /** Records left working by an earlier crash, and what was done with them. */
  recovered: { restarted: number; failed: number };
  /** Scheduled calls waiting for a release, as found at start (their plans). */
  scheduled: { id: string; tool: string; statusMessage: string }[];
  stop(): Promise<void>;
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
    try {
      await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
      // mkdir's mode applies only to a folder it creates: an existing one (and what is in it) is made the owner's.
      await ownerOnly(options.dataDir);
    } catch (error) {
      throw new StartupError(`the data folder ${options.dataDir} ${fileProblem(error)}`);
    }
    const eventsFile = options.eventsFile ?? join(options.dataDir, "events.jsonl");

    const storePath = join(options.dataDir, "dynamodb");
    await checkStoreOpens(storePath, options.dataDir);
    // A full disk refuses new calls and resumes by itself (store-health.ts); it no longer ends the process.
    const health = new StoreHealth({
      dataDir: options.dataDir,
      log: options.log,
      reopen: async () => {
        await dynamo.pause();
        await dynamo.resume();
        await afterReopen();
      },
    });
    let afterReopen = async () => {};
    const forget = onStoreWriteError(storePath, (error) => health.writeFailed(error));
    cleanups.push(async () => forget());
    cleanups.push(async () => health.stop());
    const dynamo = await startLocalDynamo(storePath, {
      socket: await storeSocketPath(options.dataDir, cleanups),
    });
    cleanups.push(dynamo.close);
    cleanups.push(await notePid(options.dataDir));
    await ensureTables(dynamo.client, [
      { definition: REQUEST_TABLE, name: LOCAL_REQUEST_TABLE },
      { definition: IDEMPOTENCY_TABLE, name: LOCAL_IDEMPOTENCY_TABLE },
    ]);
    const recordCount = new RecordCount(options.dataDir, dynamo.client, LOCAL_REQUEST_TABLE);
    await recordCount.verify(storePath);
    cleanups.push(() => recordCount.note());

    const { simulators, weatherConfig, ntfyConfig, courses, secrets } = await prepareUpstreams(
      options,
      cleanups,
    );

    if (options.auth === "off" && !isLoopback(options.host)) {
      throw new Error(`Authentication can only be turned off on a loopback address, not ${options.host}`);
    }
    const namedGolfers = namedGolfersOf(secrets);
    const keys =
      options.auth === "off"
        ? ({
            source: "none",
            // Only on loopback, where the caller is the operator: the default golfer.
            authenticator: { authenticate: async () => ({ owner: "local", golfer: DEFAULT_GOLFER }) },
          } as const)
        : await loadLocalKeys(join(options.dataDir, "api-keys.json"), options.apiKey, namedGolfers);
    const signals = new RecordSignals();
    const store = health.guard(
      signals.signalling(new DynamoDbRequestStore(dynamo.client, LOCAL_REQUEST_TABLE)),
    );
    const bus = new LocalEventBus({ eventsFile, onError: reportError, log: options.log });
    await bus.open();
    cleanups.push(() => bus.flush());

    const http = new UpstreamClient({
      fetch: options.fetch ?? fetch,
      userAgent: USER_AGENT,
      timeoutMs: options.upstreamTimeoutMs ?? 8_000,
      cacheTtlMs: options.upstreamCacheMs ?? 300_000,
    });
    const handlerRuntime: HandlerRuntime = {
      clock: systemClock,
      // Operators see failures; a call that went well is not worth a line.
      logger: {
        error: (message: string) => options.log(`error: ${message}`),
        warn: () => {},
        info: () => {},
      },
    };
    const idempotencyFor = (seconds: number): IdempotencyStore => ({
      client: dynamo.client,
      tableName: LOCAL_IDEMPOTENCY_TABLE,
      expiresAfterSeconds: seconds,
      inProgressMs: options.idempotencyInProgressMs ?? 90_000,
    });
    const secretStore = new DocumentSecrets(secrets);
    const ntfy: NtfyDeps = { config: ntfyConfig, secrets: secretStore, http };
    const golf: GolfDeps = {
      courses,
      secrets: secretStore,
      http,
      sessions: new CpsGolfSessions(options.golfPace),
      clock: systemClock,
      newId: randomUUID,
    };
    const functionDeps = depsOf({
      runtime: handlerRuntime,
      golf,
      weather: { config: weatherConfig, courses, http },
      ntfy,
      idempotency: idempotencyFor(REQUEST_REPLAY_SECONDS),
      ...(options.watchCadenceScale ? { watchCadenceScale: options.watchCadenceScale } : {}),
    });
    // Each tool's function from its entry module, as the manifest names it: the same build a Lambda runs.
    const handlers = Object.fromEntries(
      await Promise.all(
        TOOL_FUNCTIONS.map(async ({ tool, entry }) => {
          const module = (await import(entryModule(entry).href)) as { build: FunctionBuilder };
          return [tool, options.toolHandlers?.[tool] ?? module.build(functionDeps)] as const;
        }),
      ),
    ) as Record<FunctionToolName, ToolHandler>;

    // Golfers may have topics of their own; one without any hears nothing (notify-on-booking.ts).
    const notifiesBookings = Boolean(ntfyConfig.topic) || namedGolfers.length > 0;
    if (notifiesBookings) {
      const notify = createNotifyOnBookingHandler(ntfy, idempotencyFor(NOTIFICATION_REPLAY_SECONDS), store);
      bus.addRule({
        name: "notifyOnBooking",
        pattern: EVENT_RULES.notifyOnBooking,
        target: async (event) => {
          await notify({ id: event.id, detail: event.detail as unknown as ToolCallEventDetail });
        },
      });
    }

    const settleEnded = async (input: WorkflowInput, state: ExecutionState) => {
      const record = await store.get(input.requestId);
      if (record) await (front as Front).lifecycle.settleFromExecution(record, state);
    };
    // A test's extra tools: on the tool-call machine generated with them, each on a function of its own.
    const extra = options.extra;
    const extraFunctions = (extra?.entries ?? []).flatMap(({ definition, function: fn }) => {
      const handler = extra?.handlers[definition.name];
      return fn && handler ? [{ entry: fn.entry, handler }] : [];
    });
    const histories = new LocalExecutionHistories(join(options.dataDir, "executions"));
    const workflow = new LocalWorkflow({
      histories,
      substitutions: {
        ...LOCAL_SUBSTITUTIONS,
        ...Object.fromEntries(
          extraFunctions.map(({ entry }) => [functionPlaceholder(entry), localFunctionArn(entry)]),
        ),
      },
      ...(extra
        ? { definitionText: JSON.stringify(toolCallMachine([...TOOL_MANIFEST, ...extra.entries])) }
        : {}),
      functions: Object.fromEntries([
        ...TOOL_FUNCTIONS.map(({ tool, entry }) => [
          localFunctionArn(entry),
          (payload: JsonObject) => handlers[tool](payload as unknown as WorkflowInput),
        ]),
        ...extraFunctions.map(({ entry, handler }) => [
          localFunctionArn(entry),
          (payload: JsonObject) => handler(payload as unknown as WorkflowInput),
        ]),
      ]),
      dynamodb: dynamo.client,
      bus,
      onItemWritten: (id) => signals.notify(id),
      // What the stack's reconciler does with Step Functions' status-change events.
      onStandardEnded: settleEnded,
      onAsyncExpressEnded: settleEnded,
      ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
      ...(options.historyEventLimit === undefined ? {} : { historyEventLimit: options.historyEventLimit }),
      onError: reportError,
    });

    const confirmationSecret = await localConfirmationSecret(options.dataDir);
    let front: Front | undefined;
    // Requests wait until start-up recovery has settled or restarted what an earlier run left working: a re-sent
    // call must find its record as recovery left it, never race it.
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const server = await listen(
      async (request) => {
        await ready;
        return (front as Front).handle(request);
      },
      options.host,
      options.port,
    );
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
    const loopbackNames = [options.host, ...LOOPBACK_HOSTNAMES];
    front = createFront(
      {
        // A test's tools first: the conformance suite calls the first listed tool with no arguments.
        tools: new ToolRegistry([
          ...(extra?.entries ?? []).map((entry) => entry.definition),
          ...TOOL_DEFINITIONS,
        ]),
        store,
        starter: workflow,
        events: bus,
        machines: STATE_MACHINES,
        clock: systemClock,
        changeSignal: signals.wait,
        authenticator: keys.authenticator,
        confirmationSecret: async () => confirmationSecret,
        histories,
        catalog: new Catalog(withExtra(golfCatalog(courses), extra?.catalog)),
        onUnexpectedError: reportError,
        ...(options.logRequests
          ? {
              onAnswered: (answered: Answered) =>
                void requestLine(answered).then((line) => line && options.log(line)),
            }
          : {}),
      },
      {
        ...DEFAULT_FRONT_CONFIG,
        allowedHosts: loopbackNames.map(hostPort),
        allowedOrigins: loopbackNames.map((name) => `http://${hostPort(name)}`),
        ...options.front,
      },
    );

    const recovered = { restarted: 0, failed: 0 };
    const scheduled: Runtime["scheduled"] = [];
    // Read from the table itself: after a crash the embedded store's indexes may disagree with its items.
    for (const record of await store.listWorking(new Date().toISOString(), 1_000_000, { fromTable: true })) {
      recovered[await front.recovery.recover(record)] += 1;
      const tool = TOOL_DEFINITIONS.find((t) => t.name === record.tool);
      if (tool?.workflow === "scheduled") {
        scheduled.push({ id: record.id, tool: record.tool, statusMessage: record.statusMessage });
      }
    }
    // Events a crash kept in the outbox go out now (once in the file: the bus knows which it wrote).
    await front.lifecycle.deliverPendingEvents(0, { fromTable: true });
    markReady();
    // Subscribers follow the events file from their cursors: what a restart left undelivered goes out now.
    const subscribers = new Subscribers({
      eventsFile,
      folder: join(options.dataDir, "subscribers"),
      subscribers: options.subscribers ?? [],
      fetch,
      ntfyBaseUrl: ntfyConfig.baseUrl,
      ...(options.subscriberRetry ? { retry: options.subscriberRetry } : {}),
      log: options.log,
    });
    bus.addRule({ name: "subscribers", pattern: {}, target: async () => subscribers.wake() });
    subscribers.start();
    cleanups.push(() => subscribers.stop());
    // What the stack's scheduled sweeper does: calls left working whose execution ended or never started.
    const { lifecycle, recovery } = front;
    const sweeper = setInterval(() => {
      if (health.full) return; // it would only fail; the reopen sweeps at once
      recovery.sweep(SWEEP_GRACE_MS, EXPRESS_LIMIT_MS).catch(reportError);
      lifecycle.deliverPendingEvents(OUTBOX_GRACE_MS).catch(reportError);
      recordCount.note().catch(reportError);
    }, options.sweepIntervalMs ?? 60_000);
    // Calls whose outcome could not be recorded while the disk was full are settled from their executions, and
    // the events that waited go out, as soon as the store writes again.
    afterReopen = async () => {
      // From the table: a write cut short by the full disk may have reached an item and not its index entries,
      // or an index entry and not its item (a ghost of a refused call).
      await settleGhosts(dynamo.client, LOCAL_REQUEST_TABLE, (ghost) =>
        lifecycle.fail(ghost, { type: "StoreFull", message: REFUSED_FOR_FULL_DISK }),
      ).catch(reportError);
      await recovery.sweep(0, EXPRESS_LIMIT_MS, { fromTable: true }).catch(reportError);
      await lifecycle.deliverPendingEvents(0, { fromTable: true }).catch(reportError);
    };
    sweeper.unref();
    cleanups.push(async () => clearInterval(sweeper));
    // Execution histories live as long as their records: pruned at start and every hour.
    const pruneHistories = () =>
      histories.prune(async (id) => (await store.get(id))?.expiresAt, Date.now()).catch(reportError);
    void pruneHistories();
    const pruner = setInterval(pruneHistories, 3_600_000);
    pruner.unref();
    cleanups.push(async () => clearInterval(pruner));

    const runtime: Runtime = {
      url: server.url,
      mcpUrl: `${server.url}/mcp`,
      consoleUrl: `${server.url}/console/`,
      port: server.port,
      keySource: keys.source,
      golfers: {
        named: namedGolfers,
        keysWithoutGolfer:
          "keysWithoutGolfer" in keys.authenticator ? keys.authenticator.keysWithoutGolfer : 0,
      },
      eventsFile,
      front,
      workflow,
      dynamo,
      bus,
      subscribers,
      simulators,
      notifiesBookings,
      recovered,
      scheduled,
      stop: stopAll,
      keyShown: "markShown" in keys ? keys.markShown : async () => {},
    };
    if ("generatedKey" in keys && keys.generatedKey) runtime.generatedApiKey = keys.generatedKey;
    return runtime;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The golf catalog with a test's extra resources and prompts after it. */
function withExtra(content: CatalogContent, more: CatalogContent | undefined): CatalogContent {
  if (!more) return content;
  return {
    resources: [...content.resources, ...more.resources],
    templates: [...content.templates, ...more.templates],
    prompts: [...content.prompts, ...more.prompts],
    icons: content.icons,
  };
}
