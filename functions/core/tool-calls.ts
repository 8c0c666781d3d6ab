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
import { DETAIL_TYPES, EVENT_SOURCE } from "./events.ts";
import type { JsonObject } from "./json.ts";
import type { CallContext } from "./mcp-server.ts";
import {
  type ChangeSignal,
  type Clock,
  type EventPublisher,
  InvalidCursor,
  type Principal,
  type RequestStore,
  StoreUnavailable,
  type WorkflowInput,
  type WorkflowStarter,
} from "./ports.ts";
import { type RequestRecord, type StatusView, toStatusView } from "./record.ts";
import { isTerminal } from "./status.ts";
import type { ToolDefinition, ToolRegistry } from "./tool.ts";
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
      return this.#requestStatusTool(args, context.principal);
    }
    const record = await this.#accept(definition, args, context);
    if (context.task) return { task: taskOf(this.view(record)) };
    const options = { changeSignal: this.#deps.changeSignal, abortSignal: context.signal };
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
    try {
      const page = await this.#deps.store.listByOwner(principal.owner, { limit: TASK_PAGE_SIZE, cursor });
      const listed: { tasks: Task[]; nextCursor?: string } = {
        tasks: page.records.map((record) => taskOf(this.view(record))),
      };
      if (page.nextCursor) listed.nextCursor = page.nextCursor;
      return listed;
    } catch (error) {
      if (error instanceof InvalidCursor) throw new McpError(ErrorCode.InvalidParams, error.message);
      throw error;
    }
  }

  /** tasks/cancel: as the cancel route, with MCP's errors for unknown and finished tasks. */
  async cancelTask(id: string, principal: Principal): Promise<Task> {
    const outcome = await this.cancel(id, principal);
    if (!outcome) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${id}`);
    if (!outcome.cancelled) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Cannot cancel task in terminal status: ${outcome.view.status}`,
      );
    }
    return taskOf(outcome.view);
  }

  /** The record of `id` as its owner sees it; undefined for unknown ids and other owners' ids alike. */
  async status(id: string, principal: Principal, waitMs = 0, abortSignal?: AbortSignal) {
    const record = await this.#owned(id, principal, waitMs, abortSignal);
    return record && this.view(record);
  }

  /** The owner's record of `id`, after waiting up to `waitMs` for it to be terminal; undefined if not theirs. */
  async #owned(id: string, principal: Principal, waitMs: number, abortSignal?: AbortSignal) {
    if (!REQUEST_ID_PATTERN.test(id)) return undefined;
    const record = await this.#deps.store.get(id);
    if (!record || record.owner !== principal.owner) return undefined;
    if (waitMs <= 0) return record;
    const options = { changeSignal: this.#deps.changeSignal, abortSignal };
    return (await waitForTerminal(this.#deps.store, id, waitMs, options)) ?? record;
  }

  /**
   * Cancels a running call: the record becomes `cancelled` (only from `working`), the execution is stopped
   * and a Tool Call Cancelled event published. A call that already ended keeps its status.
   */
  async cancel(
    id: string,
    principal: Principal,
  ): Promise<{ cancelled: boolean; view: StatusView } | undefined> {
    if (!REQUEST_ID_PATTERN.test(id)) return undefined;
    const record = await this.#deps.store.get(id);
    if (!record || record.owner !== principal.owner) return undefined;
    const at = new Date(this.#deps.clock.now()).toISOString();
    const settled = await this.#deps.store.settle(
      id,
      { status: "cancelled", statusMessage: "The call was cancelled by the caller." },
      at,
    );
    const latest = (await this.#deps.store.get(id)) ?? record;
    if (!settled) return { cancelled: false, view: this.view(latest) };
    try {
      await this.#deps.starter.stop(record.executionArn, "Cancelled by the caller");
    } catch (error) {
      // The record is already cancelled; a workflow step that ends later cannot overwrite it.
      this.#deps.onUnexpectedError(error);
    }
    await this.#publishSafely({
      source: EVENT_SOURCE,
      detailType: DETAIL_TYPES.cancelled,
      detail: {
        requestId: id,
        tool: record.tool,
        status: "cancelled",
        durationMs: this.#deps.clock.now() - Date.parse(record.createdAt),
        owner: record.owner,
        summary: `${record.tool} cancelled by the caller`,
      },
    });
    return { cancelled: true, view: this.view(latest) };
  }

  view(record: RequestRecord): StatusView {
    const consoleUrl = this.#deps.starter.consoleUrl(record.executionArn);
    return toStatusView(record, { pollIntervalMs: this.#config.pollIntervalMs, consoleUrl });
  }

  /**
   * Re-drives a record left `working` (after a crash): restarts it when the tool is idempotent, else fails it
   * with a message that says why, since re-running could repeat a side effect.
   */
  async recover(record: RequestRecord): Promise<"restarted" | "failed"> {
    const definition = this.#deps.tools.get(record.tool);
    if (definition?.annotations.idempotentHint && definition.runs === "workflow") {
      await this.#deps.starter.start(workflowInput(record));
      return "restarted";
    }
    await this.fail(record, {
      type: "Interrupted",
      message: `The server stopped while this ${record.tool} call was running, and it was not re-run because the tool is not idempotent. Check whether it took effect before trying again.`,
    });
    return "failed";
  }

  /**
   * Settles a `working` call as failed and publishes Tool Call Failed, for failures outside the state machine's
   * own paths (a start that failed, a crash, an execution that ended abnormally). False when it was not working.
   */
  async fail(call: FailingCall, error: { type: string; message: string }): Promise<boolean> {
    const at = new Date(this.#deps.clock.now()).toISOString();
    const settled = await this.#deps.store.settle(
      call.id,
      { status: "failed", statusMessage: error.message, error },
      at,
    );
    if (!settled) return false;
    await this.#publishSafely({
      source: EVENT_SOURCE,
      detailType: DETAIL_TYPES.failed,
      detail: {
        requestId: call.id,
        tool: call.tool,
        status: "failed",
        durationMs: this.#deps.clock.now() - Date.parse(call.createdAt),
        owner: call.owner,
        summary: `${call.tool} failed`,
        error,
      },
    });
    return true;
  }

  /** get_request_status, the only tool the front answers itself. */
  async #requestStatusTool(args: JsonObject, principal: Principal): Promise<CallToolResult> {
    const requestId = String(args.requestId);
    const view = await this.status(requestId, principal);
    if (!view) {
      return {
        content: [{ type: "text", text: `No request with id ${requestId} was found for this API key.` }],
        isError: true,
      };
    }
    return {
      content: [{ type: "text", text: describeStatus(view) }],
      structuredContent: view as unknown as JsonObject,
    };
  }

  /** Records the call (or finds the one its Idempotency-Key names) and makes sure its execution runs. */
  async #accept(definition: ToolDefinition, args: JsonObject, context: CallContext): Promise<RequestRecord> {
    const { owner } = context.principal;
    const key = context.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new McpError(ErrorCode.InvalidParams, "Idempotency-Key must be 1-255 visible ASCII characters");
    }
    const id = key ? await idempotentRequestId(owner, key) : crypto.randomUUID();
    const argumentsDigest = await sha256Hex(canonicalJson({ tool: definition.name, arguments: args }));
    const now = this.#deps.clock.now();
    const createdAt = new Date(now).toISOString();
    let record: RequestRecord = {
      id,
      owner,
      tool: definition.name,
      status: "working",
      statusMessage: "The call is running.",
      arguments: args,
      argumentsDigest,
      executionArn: this.#deps.starter.executionArn(id),
      createdAt,
      lastUpdatedAt: createdAt,
      expiresAt: Math.floor(now / 1000) + this.#config.retentionSeconds,
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
      record = existing;
    }
    if (record.status !== "working") return record;
    try {
      // Starting an execution name that already exists is a no-op, so a re-sent call never runs twice.
      await this.#deps.starter.start(workflowInput(record));
      return record;
    } catch (error) {
      this.#deps.onUnexpectedError(error);
      const message = "The workflow could not be started. Try again in a moment.";
      await this.fail(record, { type: "WorkflowStartFailed", message });
      return (await this.#deps.store.get(id)) ?? record;
    }
  }

  async #publishSafely(event: Parameters<EventPublisher["publish"]>[0]) {
    try {
      await this.#deps.events.publish(event);
    } catch (error) {
      // The record already holds the truth; a lost event is logged, not turned into a failed call.
      this.#deps.onUnexpectedError(error);
    }
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
