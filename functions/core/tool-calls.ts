import {
  type CallToolResult,
  type CreateTaskResult,
  ErrorCode,
  McpError,
  type Task,
} from "@modelcontextprotocol/sdk/types.js";
import { callToolResultOf } from "./call-result.ts";
import type { FrontConfig } from "./config.ts";
import { canonicalJson, idempotentRequestId, sha256Hex } from "./digest.ts";
import { eventOfRecord } from "./events.ts";
import { settlementOf, stoppedMessage } from "./execution-outcome.ts";
import type { JsonObject } from "./json.ts";
import type { CallContext } from "./mcp-server.ts";
import type { WorkflowKind } from "./ports.ts";
import {
  type ChangeSignal,
  type Clock,
  type EventPublisher,
  type ExecutionState,
  InvalidCursor,
  type ListOptions,
  type Principal,
  type RequestStore,
  StartRefused,
  StoreUnavailable,
  type WorkflowInput,
  type WorkflowStarter,
} from "./ports.ts";
import { type RequestRecord, type Settlement, type StatusView, toStatusView } from "./record.ts";
import { isTerminal } from "./status.ts";
import { type ToolDefinition, type ToolRegistry, workflowKindOf } from "./tool.ts";
import type { ArgumentValidator } from "./validation.ts";
import { waitForTerminal } from "./watch.ts";

export interface ToolCallDeps {
  tools: ToolRegistry;
  validator: ArgumentValidator;
  store: RequestStore;
  starter: WorkflowStarter;
  events: EventPublisher;
  clock: Clock;
  changeSignal?: ChangeSignal;
  onUnexpectedError: (error: unknown) => void;
}

/** Request ids are UUIDs; anything else is unknown without a store read. */
export const REQUEST_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** What `fail` needs to know of a call. */
export type FailingCall = Pick<RequestRecord, "id" | "tool" | "owner" | "createdAt">;

/** How many times a start without a clear answer is tried. */
const START_ATTEMPTS = 3;

/** The largest page of tasks/list. */
const TASK_PAGE_SIZE = 50;

/** The MCP task a record is (tasks/get, tasks/list, CreateTaskResult). */
function taskOf(view: StatusView): Task {
  return {
    taskId: view.id,
    status: view.status,
    statusMessage: view.statusMessage,
    createdAt: view.createdAt,
    lastUpdatedAt: view.lastUpdatedAt,
    ttl: view.ttl,
    pollInterval: view.pollInterval,
  };
}

/** The request-scoped operations the front handler offers, over the ports. */
export class ToolCalls {
  readonly #deps: ToolCallDeps;
  readonly #config: FrontConfig;

  constructor(deps: ToolCallDeps, config: FrontConfig) {
    this.#deps = deps;
    this.#config = config;
  }

  /**
   * The MCP tools/call entry: validates, then answers from the front or runs the workflow. With `context.task`
   * (an MCP task-augmented call) it answers at once with the task; otherwise it waits up to the sync budget.
   */
  async call(
    name: string,
    args: JsonObject,
    context: CallContext,
  ): Promise<CallToolResult | CreateTaskResult> {
    const definition = this.#deps.tools.get(name);
    if (!definition) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const check = this.#deps.validator.check(name, args);
    if (!check.ok) throw new McpError(ErrorCode.InvalidParams, check.message);
    if (definition.runs === "front") {
      if (context.task)
        throw new McpError(ErrorCode.InvalidParams, `${name} answers at once and does not run as a task`);
      if (name === "list_requests") return this.#listRequestsTool(args, context.principal);
      if (name === "cancel_request") return this.#cancelRequestTool(args, context.principal);
      return this.#requestStatusTool(args, context.principal, context.signal);
    }
    const kind = workflowKindOf(definition);
    const { record, runsHere } = await this.#accept(definition, args, context, kind);
    if (context.task) return { task: taskOf(this.view(record)) };
    if (runsHere) {
      // An express execution answers in the call: no polling, the record is written before it returns.
      const ended = await this.#runExpress(record, runsHere, context.signal);
      return callToolResultOf(
        ended ?? (await this.#deps.store.get(record.id)) ?? record,
        context.endpointUrl,
      );
    }
    const options = {
      changeSignal: this.#deps.changeSignal,
      abortSignal: context.signal,
      // A scheduled call answers as soon as its plan is recorded: its outcome comes at the release.
      ...(kind === "scheduled" ? { enough: planned } : {}),
    };
    // The call is accepted: a store that goes away while we wait costs the answer, never the call.
    const latest =
      (await waitForTerminal(this.#deps.store, record.id, this.#config.syncBudgetMs, options).catch(
        (error) => {
          if (error instanceof StoreUnavailable) return record;
          throw error;
        },
      )) ?? record;
    return callToolResultOf(latest, context.endpointUrl);
  }

  /** tasks/get: the task, or undefined for unknown ids and other owners' ids alike. */
  async task(id: string, principal: Principal): Promise<Task | undefined> {
    const view = await this.status(id, principal);
    return view && taskOf(view);
  }

  /**
   * tasks/result: the call's result once it is terminal, waiting up to the longest wait a request may take;
   * undefined when the task is unknown.
   */
  async taskResult(id: string, principal: Principal, endpointUrl: string, signal?: AbortSignal) {
    const record = await this.#owned(id, principal, this.#config.maxWaitSeconds * 1000, signal);
    if (!record) return undefined;
    if (!isTerminal(record.status)) {
      throw new McpError(
        ErrorCode.RequestTimeout,
        `Task ${id} is still ${record.status} after ${this.#config.maxWaitSeconds} s; poll tasks/get and ask again when it has finished`,
      );
    }
    return callToolResultOf(record, endpointUrl);
  }

  /** tasks/list: the owner's calls, newest first. */
  async listTasks(principal: Principal, cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const page = await this.#pageOf(principal, TASK_PAGE_SIZE, cursor);
    const listed: { tasks: Task[]; nextCursor?: string } = {
      tasks: page.records.map((record) => taskOf(this.view(record))),
    };
    if (page.nextCursor) listed.nextCursor = page.nextCursor;
    return listed;
  }

  /** One page of the owner's records; a cursor the store did not issue is the caller's mistake (-32602). */
  async #pageOf(principal: Principal, limit: number, cursor: string | undefined) {
    try {
      return await this.#deps.store.listByOwner(principal.owner, { limit, cursor });
    } catch (error) {
      if (error instanceof InvalidCursor) throw new McpError(ErrorCode.InvalidParams, error.message);
      throw error;
    }
  }

  /**
   * tasks/cancel: as the cancel route, with MCP's errors for unknown and finished tasks. A cancel that came too late
   * to stop a side effect answers the task still working, its message saying so.
   */
  async cancelTask(id: string, principal: Principal): Promise<Task> {
    const outcome = await this.cancel(id, principal);
    if (!outcome) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${id}`);
    if (outcome.outcome === "finished") {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Cannot cancel task in terminal status: ${outcome.view.status}`,
      );
    }
    return taskOf(outcome.view);
  }

  /**
   * The record of `id` as its owner sees it; undefined for unknown ids and other owners' ids alike. A wait ends when
   * the call finishes, or when a scheduled call has its plan: its outcome is weeks away, its plan is the answer now.
   */
  async status(id: string, principal: Principal, waitMs = 0, abortSignal?: AbortSignal) {
    const record = await this.#owned(id, principal, waitMs, abortSignal, planned);
    return record && this.view(record);
  }

  /** The owner's record of `id`, after waiting up to `waitMs` for it to be terminal; undefined if not theirs. */
  async #owned(
    id: string,
    principal: Principal,
    waitMs: number,
    abortSignal?: AbortSignal,
    enough?: (record: RequestRecord) => boolean,
  ) {
    if (!REQUEST_ID_PATTERN.test(id)) return undefined;
    const record = await this.#deps.store.get(id);
    if (!record || record.owner !== principal.owner) return undefined;
    if (waitMs <= 0) return record;
    const options = { changeSignal: this.#deps.changeSignal, abortSignal, ...(enough ? { enough } : {}) };
    return (await waitForTerminal(this.#deps.store, id, waitMs, options)) ?? record;
  }

  /**
   * Cancels a call, honestly. Before its side effect starts (or for a read-only tool at any time) the record becomes
   * `cancelled`, the execution is stopped and Tool Call Cancelled published. Once a side effect has started nothing
   * can undo it: the record stays working with a message that says so, and its real outcome is recorded when it
   * comes. A call that already ended keeps its status.
   */
  async cancel(
    id: string,
    principal: Principal,
  ): Promise<{ outcome: "cancelled" | "too-late" | "finished"; view: StatusView } | undefined> {
    if (!REQUEST_ID_PATTERN.test(id)) return undefined;
    const record = await this.#deps.store.get(id);
    if (!record || record.owner !== principal.owner) return undefined;
    const at = new Date(this.#deps.clock.now()).toISOString();
    const read = async () => this.view((await this.#deps.store.get(id)) ?? record);
    if (isTerminal(record.status)) return { outcome: "finished", view: await read() };
    const event = { summary: `${record.tool} cancelled by the caller`, durationMs: this.#durationOf(record) };
    if (await this.#deps.store.cancelBeforeStart(id, "The call was cancelled by the caller.", at, event)) {
      try {
        await this.#deps.starter.stop(record.executionArn, "Cancelled by the caller");
      } catch (error) {
        // The record is already cancelled, and the workflow checks it before any side effect.
        this.#deps.onUnexpectedError(error);
      }
      await this.#deliverEventOf(id);
      return { outcome: "cancelled", view: await read() };
    }
    const definition = this.#deps.tools.get(record.tool);
    const step = definition?.effect ? `the ${record.tool} step` : "the call";
    const message = `Cancel requested, but ${step} had already started, so it may still complete. Its outcome will be recorded here when it is known.`;
    if (await this.#deps.store.annotate(id, { statusMessage: message, cancelRequestedAt: at }, at)) {
      return { outcome: "too-late", view: await read() };
    }
    return { outcome: "finished", view: await read() };
  }

  view(record: RequestRecord): StatusView {
    const consoleUrl = this.#deps.starter.consoleUrl(record.executionArn);
    return toStatusView(record, { pollIntervalMs: this.#config.pollIntervalMs, consoleUrl });
  }

  /**
   * Re-drives a record left `working` (after a crash): restarts it when that cannot repeat a side effect (the tool
   * is idempotent, or the workflow had not yet started the tool's side effect); asks the upstream what became of a
   * side effect that had started, when the tool can (the booking); else fails it with what is known.
   */
  async recover(record: RequestRecord): Promise<"restarted" | "failed"> {
    const definition = this.#deps.tools.get(record.tool);
    if (definition?.effect?.resolves && record.toolStartedAt) {
      // The side effect may have happened: the workflow asks the upstream what became of it, and runs nothing.
      await this.#deps.starter.start({ ...workflowInput(record), resolve: true }, workflowKindOf(definition));
      return "restarted";
    }
    const safe =
      definition?.annotations.idempotentHint || (definition?.effect !== undefined && !record.toolStartedAt);
    if (definition && safe && definition.runs === "workflow") {
      await this.#deps.starter.start(workflowInput(record), workflowKindOf(definition));
      return "restarted";
    }
    await this.fail(record, {
      type: "Interrupted",
      message: stoppedMessage(record, definition, "was interrupted (the server stopped)"),
    });
    return "failed";
  }

  /**
   * Settles a working call from how its execution stands (a status-change event, the sweeper, an express execution
   * that failed): completed with the result the execution holds, or failed with what is known to be true.
   */
  async settleFromExecution(record: RequestRecord, state: ExecutionState): Promise<"settled" | "unchanged"> {
    if (record.status !== "working") return "unchanged";
    const settlement = settlementOf(record, this.#deps.tools.get(record.tool), state);
    if (!settlement) return "unchanged";
    return (await this.#settle(record, settlement)) ? "settled" : "unchanged";
  }

  /**
   * Settles the calls still working past `graceMs` whose execution has ended or never started. Express executions
   * cannot be described; one still working past its longest possible run is settled as stopped.
   */
  async sweep(graceMs: number, expressLimitMs: number): Promise<{ checked: number; settled: number }> {
    const now = this.#deps.clock.now();
    const records = await this.#deps.store.listWorking(new Date(now - graceMs).toISOString());
    let settled = 0;
    for (const record of records) {
      const definition = this.#deps.tools.get(record.tool);
      if (definition?.runs !== "workflow") continue;
      let state: ExecutionState;
      if (workflowKindOf(definition) === "express") {
        if (now - Date.parse(record.createdAt) < expressLimitMs) continue;
        state = { status: "TIMED_OUT" };
      } else {
        state = await this.#deps.starter.describe(record.executionArn);
      }
      if ((await this.settleFromExecution(record, state)) === "settled") settled += 1;
    }
    return { checked: records.length, settled };
  }

  /**
   * Settles a `working` call as failed and publishes Tool Call Failed, for failures outside the state machine's
   * own paths (a start that failed, a crash, an execution that ended abnormally). False when it was not working.
   */
  async fail(call: FailingCall, error: { type: string; message: string }): Promise<boolean> {
    return this.#settle(call, { status: "failed", statusMessage: error.message, error });
  }

  async #settle(call: FailingCall, settlement: Settlement): Promise<boolean> {
    const at = new Date(this.#deps.clock.now()).toISOString();
    const event = { summary: `${call.tool} ${settlement.status}`, durationMs: this.#durationOf(call) };
    if (!(await this.#deps.store.settle(call.id, settlement, at, event))) return false;
    await this.#deliverEventOf(call.id);
    return true;
  }

  #durationOf(call: Pick<FailingCall, "createdAt">): number {
    return this.#deps.clock.now() - Date.parse(call.createdAt);
  }

  /**
   * Publishes the events still in the outbox of calls settled before `graceMs` ago (a crash between a settling
   * write and its publish, a publish that failed): at start-up and on the sweeper's schedule. At-least-once: an
   * event is marked sent only after it is published, and keeps its eventId.
   */
  async deliverPendingEvents(graceMs: number, options: ListOptions = {}): Promise<number> {
    const before = new Date(this.#deps.clock.now() - graceMs).toISOString();
    let delivered = 0;
    for (const record of await this.#deps.store.listPendingEvents(before, 1_000, options)) {
      if (await this.#deliver(record)) delivered += 1;
    }
    return delivered;
  }

  /** Publishes a settled record's event from the outbox, then marks it sent. */
  async #deliverEventOf(id: string): Promise<void> {
    try {
      const record = await this.#deps.store.get(id);
      if (record) await this.#deliver(record);
    } catch (error) {
      // The event stays in the outbox; the next sweep publishes it.
      this.#deps.onUnexpectedError(error);
    }
  }

  async #deliver(record: RequestRecord): Promise<boolean> {
    const event = eventOfRecord(record);
    if (!event || record.outbox !== "pending") return false;
    try {
      await this.#deps.events.publish(event);
      await this.#deps.store.markEventSent(record.id);
      return true;
    } catch (error) {
      this.#deps.onUnexpectedError(error);
      return false;
    }
  }

  /** list_requests: the owner's calls, newest first, filtered, a page at a time. */
  async #listRequestsTool(args: JsonObject, principal: Principal): Promise<CallToolResult> {
    const limit = typeof args.limit === "number" ? args.limit : 20;
    const wanted = (record: RequestRecord) =>
      (args.status === undefined || record.status === args.status) &&
      (args.tool === undefined || record.tool === args.tool);
    const found: RequestRecord[] = [];
    let cursor = typeof args.cursor === "string" ? args.cursor : undefined;
    // Filtering happens on the pages read: a few pages at most per answer, the cursor carrying on from there. A page
    // never holds more records than the answer has room left for, so no match is read past the cursor and dropped.
    for (let pages = 0; pages < 5 && found.length < limit; pages++) {
      const page = await this.#pageOf(principal, limit - found.length, cursor);
      found.push(...page.records.filter(wanted));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    const requests = found.map((record) => ({
      requestId: record.id,
      tool: record.tool,
      status: record.status,
      // A completed call's one line is its result's summary; any other says where it stands, or why it failed.
      summary:
        record.status === "completed" ? (record.eventSummary ?? record.statusMessage) : record.statusMessage,
      createdAt: record.createdAt,
      lastUpdatedAt: record.lastUpdatedAt,
    }));
    const lines = requests.map(
      (r) => `- ${r.createdAt} ${r.tool} ${r.status} (${r.requestId}): ${r.summary}`,
    );
    const text = requests.length ? `${requests.length} call(s):\n${lines.join("\n")}` : "No calls match.";
    const structuredContent: JsonObject = { requests };
    if (cursor) structuredContent.nextCursor = cursor;
    return {
      content: [{ type: "text", text: cursor ? `${text}\nMore: pass cursor ${cursor}` : text }],
      structuredContent,
    };
  }

  /** cancel_request: the honest cancel, as a tool. */
  async #cancelRequestTool(args: JsonObject, principal: Principal): Promise<CallToolResult> {
    const requestId = String(args.requestId);
    const outcome = await this.cancel(requestId, principal);
    if (!outcome) {
      return unknownRequest(requestId);
    }
    const { view } = outcome;
    const text =
      outcome.outcome === "finished"
        ? `The ${view.tool} call already ended as ${view.status}; its status does not change.`
        : `The ${view.tool} call is ${view.status}: ${view.statusMessage}`;
    return {
      content: [{ type: "text", text }],
      structuredContent: view as unknown as JsonObject,
      ...(outcome.outcome === "finished" ? { isError: true } : {}),
    };
  }

  /** get_request_status: answered from the store, with no workflow. */
  async #requestStatusTool(
    args: JsonObject,
    principal: Principal,
    signal: AbortSignal | undefined,
  ): Promise<CallToolResult> {
    const requestId = String(args.requestId);
    const seconds = typeof args.wait === "number" ? Math.min(args.wait, this.#config.maxWaitSeconds) : 0;
    const view = await this.status(requestId, principal, seconds * 1000, signal);
    if (!view) {
      return unknownRequest(requestId);
    }
    return {
      content: [{ type: "text", text: describeStatus(view) }],
      structuredContent: view as unknown as JsonObject,
    };
  }

  /**
   * Records the call (or finds the one its Idempotency-Key names) and makes sure its execution runs. For an express
   * call answered in this request, `runsHere` is the input to run it with; everything else is started here.
   */
  async #accept(
    definition: ToolDefinition,
    args: JsonObject,
    context: CallContext,
    kind: WorkflowKind,
  ): Promise<{ record: RequestRecord; runsHere?: WorkflowInput }> {
    const { owner } = context.principal;
    const key = context.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new McpError(ErrorCode.InvalidParams, "Idempotency-Key must be 1-255 visible ASCII characters");
    }
    const id = key ? await idempotentRequestId(owner, key) : crypto.randomUUID();
    const argumentsDigest = await sha256Hex(canonicalJson({ tool: definition.name, arguments: args }));
    const now = this.#deps.clock.now();
    const createdAt = new Date(now).toISOString();
    const record: RequestRecord = {
      id,
      owner,
      tool: definition.name,
      status: "working",
      statusMessage: "The call is running.",
      arguments: args,
      argumentsDigest,
      executionArn: this.#deps.starter.executionArn(id, kind),
      createdAt,
      lastUpdatedAt: createdAt,
      expiresAt:
        Math.floor(Math.max(now, definition.actsUntil?.(args, now) ?? now) / 1000) +
        this.#config.retentionSeconds,
      workingSince: createdAt,
    };
    const created = await this.#deps.store.create(record);
    if (!created.created) {
      const existing = created.existing;
      if (existing.owner !== owner || existing.argumentsDigest !== argumentsDigest) {
        throw new McpError(
          ErrorCode.InvalidParams,
          "This Idempotency-Key was already used for a different tool call; use a new key for a new call",
        );
      }
      // A re-sent call: its first run is under way or done. It is never started a second time.
      return { record: existing };
    }
    const input = workflowInput(record);
    if (kind === "express" && !context.task) return { record, runsHere: input };
    try {
      const started = await this.#start(input, kind);
      if (started === "exists" && kind !== "express") await this.#adoptEarlierExecution(record);
    } catch (error) {
      await this.#startFailed(record, error);
    }
    return { record: (await this.#deps.store.get(id)) ?? record };
  }

  /**
   * Starts an execution, asking again when the answer is unclear: a start of the same name and input is idempotent
   * in Step Functions, so a second try cannot make a second run.
   */
  async #start(input: WorkflowInput, kind: WorkflowKind): Promise<"started" | "exists"> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#deps.starter.start(input, kind);
      } catch (error) {
        if (error instanceof StartRefused || attempt >= START_ATTEMPTS || kind === "express") throw error;
        this.#deps.onUnexpectedError(error);
      }
    }
  }

  /**
   * A new record whose execution name already exists: its Idempotency-Key was used for a call whose record has
   * expired (records live 30 days, execution names 90). The earlier execution is that call; it is never re-run.
   */
  async #adoptEarlierExecution(record: RequestRecord): Promise<void> {
    const state = await this.#deps.starter.describe(record.executionArn);
    if (state.status === "RUNNING") return;
    const settlement = settlementOf(record, this.#deps.tools.get(record.tool), state);
    if (settlement?.status === "completed") {
      await this.#settle(record, settlement);
      return;
    }
    await this.fail(record, {
      type: "IdempotencyKeyReused",
      message:
        "This Idempotency-Key belongs to an earlier call that has already run; its record has expired, so its outcome is no longer known here. It was not run again. Use a new Idempotency-Key for a new call.",
    });
  }

  /** A start that failed: refused means nothing runs; unconfirmed means the sweeper finds out later. */
  async #startFailed(record: RequestRecord, error: unknown): Promise<void> {
    this.#deps.onUnexpectedError(error);
    if (error instanceof StartRefused) {
      await this.fail(record, {
        type: "WorkflowStartRefused",
        message: `The workflow could not be started (${error.message}), so nothing was done. Try again in a moment.`,
      });
      return;
    }
    // The execution may or may not run: the record stays working, and the sweeper settles it from Step Functions'
    // own answer. Saying "failed" here could make the caller run it twice.
    const at = new Date(this.#deps.clock.now()).toISOString();
    const message =
      "Starting the workflow got no clear answer, so it may or may not be running; this is being checked and the outcome will be recorded here.";
    await this.#deps.store
      .annotate(record.id, { statusMessage: message }, at)
      .catch(this.#deps.onUnexpectedError);
  }

  /**
   * Runs an express call and returns its record once it ended, or undefined when the sync budget passed first (the
   * execution goes on and records its own outcome) or the client went away.
   */
  async #runExpress(
    record: RequestRecord,
    input: WorkflowInput,
    signal: AbortSignal | undefined,
  ): Promise<RequestRecord | undefined> {
    const running = this.#deps.starter.run(input).then(
      (state) => ({ state }),
      (error: unknown) => ({ error }),
    );
    const ended = await untilBudget(running, this.#config.syncBudgetMs, signal);
    if (!ended) {
      // Whatever happens after the answer still settles the record (a failure the execution reports).
      void running.then((late) => this.#expressEnded(record, late)).catch(this.#deps.onUnexpectedError);
      return undefined;
    }
    await this.#expressEnded(record, ended);
    return (await this.#deps.store.get(record.id)) ?? record;
  }

  /** An express execution ended: a failure it reports is settled here, as nothing else hears of it. */
  async #expressEnded(record: RequestRecord, ended: { state?: ExecutionState; error?: unknown }) {
    if (ended.error !== undefined) {
      await this.#startFailed(record, ended.error);
      return;
    }
    // Aborted is the local runtime stopping (the call is recovered at the next start) or a cancel (already settled).
    if (!ended.state || ended.state.status === "ABORTED") return;
    const latest = await this.#deps.store.get(record.id);
    if (latest?.status === "working") await this.settleFromExecution(latest, ended.state);
  }
}

/** A scheduled call that has recorded its plan: its answer until the release is the plan. */
const planned = (record: RequestRecord) => record.plannedAt !== undefined;

/** The answer of a lifecycle tool to an id this key has no call with (unknown ids and others' alike). */
function unknownRequest(requestId: string): CallToolResult {
  return {
    content: [{ type: "text", text: `No request with id ${requestId} was found for this API key.` }],
    isError: true,
  };
}

/** The promise's value, or undefined once `ms` have passed or the signal aborted. */
async function untilBudget<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
    onAbort = () => resolve(undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

function workflowInput(record: RequestRecord): WorkflowInput {
  return {
    requestId: record.id,
    tool: record.tool,
    arguments: record.arguments,
    owner: record.owner,
    startedAt: Date.parse(record.createdAt),
  };
}

function describeStatus(view: StatusView): string {
  const head = `Request ${view.id} (${view.tool}) is ${view.status}: ${view.statusMessage}`;
  const text = view.result?.content.map((block) => block.text).join("\n");
  return text ? `${head}\n\n${text}` : head;
}
