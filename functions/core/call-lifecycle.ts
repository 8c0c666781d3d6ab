import type { FrontConfig } from "./config.ts";
import { canonicalJson, idempotentRequestId, sha256Hex } from "./digest.ts";
import { settlementOf } from "./execution-outcome.ts";
import { NO_GOLFER } from "./golfers.ts";
import type { JsonObject } from "./json.ts";
import { Outbox } from "./outbox.ts";
import {
  type ChangeSignal,
  type Clock,
  type EventPublisher,
  type ExecutionState,
  type ListOptions,
  type Principal,
  type RequestStore,
  StartRefused,
  StoreUnavailable,
  type WorkflowInput,
  type WorkflowKind,
  type WorkflowStarter,
} from "./ports.ts";
import {
  type PendingInput,
  type RequestRecord,
  type Settlement,
  type StatusView,
  toStatusView,
  workflowInput,
} from "./record.ts";
import { isTerminal } from "./status.ts";
import type { AnyToolResult, ToolDefinition, ToolRegistry } from "./tool.ts";
import { untilBudget, waitForTerminal } from "./watch.ts";

/**
 * A call's lifecycle, whatever protocol asked for it: accepted (recorded, its execution started), waited on,
 * cancelled honestly, settled from its execution, swept when left working, its event delivered from the outbox.
 * No MCP here: the MCP layer (tool-calls.ts) and the HTTP routes (front.ts) speak for it; the reconciler, the
 * sweeper and the local runtime's recovery use it directly.
 */

/** What a task waiting for its client's input says of itself. */
const WAITING_FOR_INPUT = "Waiting for your answer to the questions in inputRequests (tasks/update).";

export interface LifecycleDeps {
  tools: ToolRegistry;
  store: RequestStore;
  starter: WorkflowStarter;
  events: EventPublisher;
  clock: Clock;
  changeSignal?: ChangeSignal;
  onUnexpectedError: (error: unknown) => void;
}

/** The settings a lifecycle reads. */
export type LifecycleConfig = Pick<FrontConfig, "syncBudgetMs" | "retentionSeconds" | "pollIntervalMs">;

/** Request ids are UUIDs; anything else is unknown without a store read. */
export const REQUEST_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** What `fail` needs to know of a call. */
export type FailingCall = Pick<RequestRecord, "id" | "tool" | "owner" | "createdAt">;

/** How many times a start without a clear answer is tried. */
const START_ATTEMPTS = 3;

/** A call refused as asked (a malformed or reused Idempotency-Key): the caller's mistake, said in a sentence. */
export class CallRefused extends Error {
  override readonly name = "CallRefused";
}

export class CallLifecycle {
  readonly #deps: LifecycleDeps;
  readonly #config: LifecycleConfig;
  readonly #outbox: Outbox;

  constructor(deps: LifecycleDeps, config: LifecycleConfig) {
    this.#deps = deps;
    this.#config = config;
    this.#outbox = new Outbox(deps);
  }

  /**
   * The record to answer an accepted call with: an express call run here to its end (within the sync budget), a
   * scheduled one as soon as its plan is recorded, any other once it ends or the budget passes.
   */
  async answer(
    accepted: { record: RequestRecord; runsHere?: WorkflowInput },
    kind: WorkflowKind,
    signal?: AbortSignal,
  ): Promise<RequestRecord> {
    const { record, runsHere } = accepted;
    if (runsHere) {
      // An express execution answers in the call: no polling, the record is written before it returns.
      const ended = await this.#runExpress(record, runsHere, signal);
      return ended ?? (await this.#deps.store.get(record.id)) ?? record;
    }
    const options = {
      changeSignal: this.#deps.changeSignal,
      abortSignal: signal,
      // A scheduled call answers as soon as its plan is recorded: its outcome comes at the release.
      ...(kind === "scheduled" ? { enough: planned } : {}),
    };
    // The call is accepted: a store that goes away while we wait costs the answer, never the call.
    return (
      (await waitForTerminal(this.#deps.store, record.id, this.#config.syncBudgetMs, options).catch(
        (error) => {
          if (error instanceof StoreUnavailable) return record;
          throw error;
        },
      )) ?? record
    );
  }

  /** One page of the owner's records, newest first; a cursor the store did not issue throws InvalidCursor. */
  page(principal: Principal, limit: number, cursor: string | undefined) {
    return this.#deps.store.listByOwner(principal.owner, { limit, cursor });
  }

  /**
   * The record of `id` as its owner sees it; undefined for unknown ids and other owners' ids alike. A wait ends when
   * the call finishes, or when a scheduled call has its plan: its outcome is weeks away, its plan is the answer now.
   */
  async status(id: string, principal: Principal, waitMs = 0, abortSignal?: AbortSignal) {
    const record = await this.owned(id, principal, waitMs, abortSignal, planned);
    return record && this.view(record);
  }

  /** The owner's record of `id`, after waiting up to `waitMs` for it to be terminal; undefined if not theirs. */
  async owned(
    id: string,
    principal: Principal,
    waitMs: number,
    abortSignal?: AbortSignal,
    enough?: (record: RequestRecord) => boolean,
  ) {
    if (!REQUEST_ID_PATTERN.test(id)) return undefined;
    const mine = (record: RequestRecord | undefined) =>
      record?.owner === principal.owner ? record : undefined;
    if (waitMs <= 0) return mine(await this.#deps.store.get(id));
    // The wait's first read is the ownership check too: another owner's record ends it at once, unseen.
    const options = {
      changeSignal: this.#deps.changeSignal,
      abortSignal,
      enough: (record: RequestRecord) => record.owner !== principal.owner || (enough?.(record) ?? false),
    };
    return mine(await waitForTerminal(this.#deps.store, id, waitMs, options));
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
        // A task still waiting for input never started an execution: there is nothing to stop.
        if (record.status === "working")
          await this.#deps.starter.stop(record.executionId, "Cancelled by the caller");
      } catch (error) {
        // The record is already cancelled, and the workflow checks it before any side effect.
        this.#deps.onUnexpectedError(error);
      }
      await this.#outbox.deliverOf(id);
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
    const executionUrl = this.#deps.starter.executionUrl(record.executionId);
    return toStatusView(record, { pollIntervalMs: this.#config.pollIntervalMs, executionUrl });
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
    await this.#outbox.deliverOf(call.id);
    return true;
  }

  #durationOf(call: Pick<FailingCall, "createdAt">): number {
    return this.#deps.clock.now() - Date.parse(call.createdAt);
  }

  /** Publishes the events left in the outbox by calls settled before `graceMs` ago (outbox.ts). */
  deliverPendingEvents(graceMs: number, options: ListOptions = {}): Promise<number> {
    return this.#outbox.deliverPending(graceMs, options);
  }

  /**
   * Records the call (or finds the one its Idempotency-Key names) and makes sure its execution runs. For an express
   * call answered in this request, `runsHere` is the input to run it with; everything else is started here.
   */
  async accept(
    definition: ToolDefinition,
    args: JsonObject,
    /**
     * `task`: the caller follows the call itself, so even an express call is started, not run here. `awaiting`: the
     * task waits for its client's input first (SEP-2663): recorded input_required, started by `resume` once answered.
     */
    context: {
      principal: Principal;
      idempotencyKey: string | undefined;
      task: boolean;
      awaiting?: PendingInput;
    },
    kind: WorkflowKind,
  ): Promise<{ record: RequestRecord; runsHere?: WorkflowInput }> {
    const { owner } = context.principal;
    const key = context.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new CallRefused("Idempotency-Key must be 1-255 visible ASCII characters");
    }
    const id = key ? await idempotentRequestId(owner, key) : crypto.randomUUID();
    const argumentsDigest = await sha256Hex(canonicalJson({ tool: definition.name, arguments: args }));
    const now = this.#deps.clock.now();
    const createdAt = new Date(now).toISOString();
    const record: RequestRecord = {
      id,
      owner,
      golfer: context.principal.golfer ?? NO_GOLFER,
      tool: definition.name,
      status: "working",
      statusMessage: "The call is running.",
      arguments: args,
      argumentsDigest,
      executionId: this.#deps.starter.executionId(id, kind),
      createdAt,
      lastUpdatedAt: createdAt,
      expiresAt:
        Math.floor(Math.max(now, definition.actsUntil?.(args, now) ?? now) / 1000) +
        this.#config.retentionSeconds,
      workingSince: createdAt,
    };
    if (context.awaiting) {
      // Not working, so off the working index: nothing sweeps it; its execution starts only when resumed.
      delete record.workingSince;
      Object.assign(record, {
        status: "input_required",
        statusMessage: WAITING_FOR_INPUT,
        input: context.awaiting,
      });
    }
    const created = await this.#deps.store.create(record);
    if (!created.created) {
      const existing = created.existing;
      if (existing.owner !== owner || existing.argumentsDigest !== argumentsDigest) {
        throw new CallRefused(
          "This Idempotency-Key was already used for a different tool call; use a new key for a new call",
        );
      }
      // A re-sent call: its first run is under way or done. It is never started a second time.
      return { record: existing };
    }
    if (context.awaiting) return { record };
    const input = workflowInput(record);
    if (kind === "express" && !context.task) return { record, runsHere: input };
    return { record: await this.#launch(record, kind) };
  }

  /** Starts a recorded call's execution (a failed start is settled as what it is); the record as it then stands. */
  async #launch(record: RequestRecord, kind: WorkflowKind): Promise<RequestRecord> {
    try {
      const started = await this.#start(workflowInput(record), kind);
      if (started === "exists" && kind !== "express") await this.#adoptEarlierExecution(record);
    } catch (error) {
      await this.#startFailed(record, error);
    }
    return (await this.#deps.store.get(record.id)) ?? record;
  }

  /** A task waiting for input has a new round of questions, or some of its answers. */
  async noteInput(record: RequestRecord, input: PendingInput): Promise<boolean> {
    const at = new Date(this.#deps.clock.now()).toISOString();
    return this.#deps.store.noteInput(record.id, input, WAITING_FOR_INPUT, at);
  }

  /**
   * A task waiting for input has it all: it runs now, with the arguments its answers made (or ends with the answer
   * its tool gave instead, recorded like any result). False when it was not waiting (answered already, cancelled).
   */
  async resume(
    record: RequestRecord,
    kind: WorkflowKind,
    then: { run: JsonObject } | { answer: AnyToolResult },
  ): Promise<boolean> {
    const at = new Date(this.#deps.clock.now()).toISOString();
    const args = "run" in then ? then.run : record.arguments;
    if (!(await this.#deps.store.resumeWithInput(record.id, args, "The call is running.", at))) return false;
    const resumed = { ...record, arguments: args, status: "working" as const, workingSince: at };
    delete resumed.input;
    if ("run" in then) await this.#launch(resumed, kind);
    else
      await this.#settle(resumed, {
        status: "completed",
        statusMessage: "The call completed.",
        result: then.answer,
      });
    return true;
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
    const state = await this.#deps.starter.describe(record.executionId);
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
