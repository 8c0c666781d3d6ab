import {
  type CallToolResult,
  type CreateTaskResult,
  ErrorCode,
  McpError,
  type Task,
} from "@modelcontextprotocol/sdk/types.js";
import { CallLifecycle, CallRefused, type LifecycleDeps } from "./call-lifecycle.ts";
import { callToolResultOf } from "./call-result.ts";
import type { Reader } from "./catalog.ts";
import type { FrontConfig } from "./config.ts";
import { answerFrontTool } from "./front-tools.ts";
import { noGolfAccountMessage } from "./golfers.ts";
import type { Round } from "./input-rounds.ts";
import type { JsonObject } from "./json.ts";
import type { CallContext } from "./mcp-server.ts";
import { InvalidCursor, type Principal } from "./ports.ts";
import { pendingRequests, type RequestRecord, type StatusView } from "./record.ts";
import { isTerminal } from "./status.ts";
import { type AnyToolResult, type Recall, type ToolDefinition, workflowKindOf } from "./tool.ts";
import type { ArgumentValidator } from "./validation.ts";

export interface ToolCallDeps extends LifecycleDeps {
  validator: ArgumentValidator;
}

/** How many of the caller's newest calls a recall reads (a confirmation's look at their searches, completions). */
const RECALL_DEPTH = 25;

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

/**
 * The MCP layer over a call's lifecycle: tools/call (validated, answered or run), MCP tasks, and the tools the
 * front answers itself. The lifecycle's refusals become MCP's errors here, and nowhere else.
 */
export class ToolCalls {
  readonly lifecycle: CallLifecycle;
  readonly #deps: ToolCallDeps;
  readonly #config: FrontConfig;

  constructor(deps: ToolCallDeps, config: FrontConfig) {
    this.#deps = deps;
    this.#config = config;
    this.lifecycle = new CallLifecycle(deps, config);
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
    const admitted = this.admit(name, args, context);
    if ("refused" in admitted) return admitted.refused;
    const { definition } = admitted;
    if (definition.runs === "front") {
      if (context.task)
        throw new McpError(ErrorCode.InvalidParams, `${name} answers at once and does not run as a task`);
      return answerFrontTool(name, args, context, this);
    }
    const kind = workflowKindOf(definition);
    const accepted = await mcpErrors(() => this.lifecycle.accept(definition, args, context, kind));
    if (context.task) return { task: taskOf(this.lifecycle.view(accepted.record)) };
    return callToolResultOf(await this.lifecycle.answer(accepted, kind, context.signal), context.endpointUrl);
  }

  /**
   * Whether a call may go ahead, before anything is recorded: the tool exists and its arguments are valid (else
   * -32602), and a tool that acts for a golfer has one (else a tool error: nothing happened).
   */
  admit(
    name: string,
    args: JsonObject,
    context: Pick<CallContext, "principal" | "task">,
  ): { definition: ToolDefinition } | { refused: CallToolResult } {
    const definition = this.#deps.tools.get(name);
    if (!definition) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const check = this.#deps.validator.check(name, args);
    if (!check.ok) throw new McpError(ErrorCode.InvalidParams, check.message);
    if (definition.actsFor === "golfer" && context.principal.golfer === undefined) {
      if (context.task) throw new McpError(ErrorCode.InvalidParams, noGolfAccountMessage(name));
      return { refused: { content: [{ type: "text", text: noGolfAccountMessage(name) }], isError: true } };
    }
    return { definition };
  }

  /** The caller's recent completed results of a tool, newest first: one bounded read of their own records. */
  recall(principal: Principal): Recall {
    return async (tool) => {
      const page = await this.lifecycle.page(principal, RECALL_DEPTH, undefined);
      return page.records
        .filter((record) => record.tool === tool && record.status === "completed")
        .flatMap((record) =>
          record.result?.structuredContent
            ? [
                {
                  arguments: record.arguments,
                  structuredContent: record.result.structuredContent,
                  at: record.settledAt ?? record.lastUpdatedAt,
                },
              ]
            : [],
        );
    };
  }

  /** What a resource read may do for its caller: run a tool as their call, read their calls. */
  reader(principal: Principal, endpointUrl: string, signal: AbortSignal): Reader {
    return {
      call: async (tool, args) =>
        (await this.call(tool, args, {
          principal,
          idempotencyKey: undefined,
          endpointUrl,
          signal,
          task: false,
        })) as CallToolResult,
      status: (id) => this.lifecycle.status(id, principal),
      recentRequestIds: async () =>
        (await this.lifecycle.page(principal, RECALL_DEPTH, undefined)).records.map((record) => record.id),
    };
  }

  /** tasks/get: the task, or undefined for unknown ids and other owners' ids alike. */
  async task(id: string, principal: Principal): Promise<Task | undefined> {
    const view = await this.lifecycle.status(id, principal);
    return view && taskOf(view);
  }

  /**
   * tasks/result: the call's result once it is terminal, waiting up to the longest wait a request may take;
   * undefined when the task is unknown.
   */
  async taskResult(id: string, principal: Principal, endpointUrl: string, signal?: AbortSignal) {
    const record = await this.lifecycle.owned(id, principal, this.#config.maxWaitSeconds * 1000, signal);
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
    const page = await this.pageOf(principal, TASK_PAGE_SIZE, cursor);
    const listed: { tasks: Task[]; nextCursor?: string } = {
      tasks: page.records.map((record) => taskOf(this.lifecycle.view(record))),
    };
    if (page.nextCursor) listed.nextCursor = page.nextCursor;
    return listed;
  }

  /** One page of the owner's records; a cursor the store did not issue is the caller's mistake (-32602). */
  pageOf(principal: Principal, limit: number, cursor: string | undefined) {
    return mcpErrors(() => this.lifecycle.page(principal, limit, cursor));
  }

  /**
   * tasks/cancel: as the cancel route, with MCP's errors for unknown and finished tasks. A cancel that came too late
   * to stop a side effect answers the task still working, its message saying so.
   */
  async cancelTask(id: string, principal: Principal): Promise<Task> {
    const outcome = await this.lifecycle.cancel(id, principal);
    if (!outcome) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${id}`);
    if (outcome.outcome === "finished") {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Cannot cancel task in terminal status: ${outcome.view.status}`,
      );
    }
    return taskOf(outcome.view);
  }

  async detailedTask(
    id: string,
    principal: Principal,
    options: { waitMs: number; endpointUrl: string; signal?: AbortSignal },
  ): Promise<{ task: Task; result?: CallToolResult; inputRequests?: JsonObject } | undefined> {
    // The wait ends as soon as the call ends, so a poll of a short call costs one round trip.
    // A task waiting for its client's input changes only when the client answers: no point waiting on it.
    const waitsForClient = (record: RequestRecord) => record.status === "input_required";
    const record = await this.lifecycle.owned(id, principal, options.waitMs, options.signal, waitsForClient);
    if (!record) return undefined;
    const view = this.lifecycle.view(record);
    const task = taskOf(view);
    if (view.inputRequests) return { task, inputRequests: view.inputRequests };
    if (!isTerminal(record.status) || record.status === "cancelled") return { task };
    return { task, result: callToolResultOf(record, options.endpointUrl) };
  }

  async cancelCall(id: string, principal: Principal): Promise<boolean> {
    return (await this.lifecycle.cancel(id, principal)) !== undefined;
  }

  async provideInput(
    id: string,
    principal: Principal,
    responses: JsonObject,
    round: Omit<Round, "responses" | "kept">,
  ): Promise<boolean> {
    const record = await this.lifecycle.owned(id, principal, 0);
    if (!record) return false;
    const definition = this.#deps.tools.get(record.tool);
    if (record.status !== "input_required" || !record.input || !definition?.gather) return true;
    // Only answers to what is still asked count; anything else is ignored.
    const asked = record.input;
    const answers = Object.fromEntries(
      Object.entries(responses).filter(([key]) => key in asked.requests && !(key in asked.responses)),
    ) as JsonObject;
    const input = { ...asked, responses: { ...asked.responses, ...answers } };
    if (Object.keys(pendingRequests(input)).length > 0)
      return this.lifecycle.noteInput(record, input).then(() => true);
    const gathered = await definition.gather(record.arguments, {
      ...round,
      responses: input.responses,
      kept: input.kept,
    });
    const kind = workflowKindOf(definition);
    if ("ask" in gathered) {
      await this.lifecycle.noteInput(record, {
        requests: gathered.ask,
        responses: {},
        kept: gathered.keep ?? {},
      });
    } else if ("proceed" in gathered) {
      await this.lifecycle.resume(record, kind, { run: gathered.arguments ?? record.arguments });
    } else if ("answer" in gathered) {
      await this.lifecycle.resume(record, kind, { answer: gathered.answer as AnyToolResult });
    }
    // A capability the task needs that the answering request lacks: it keeps waiting for one that has it.
    return true;
  }

  /** The longest a status read may wait, in seconds. */
  get maxWaitSeconds(): number {
    return this.#config.maxWaitSeconds;
  }
}

/** The caller's mistakes the lifecycle refuses with are MCP's invalid params (-32602). */
async function mcpErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CallRefused || error instanceof InvalidCursor) {
      throw new McpError(ErrorCode.InvalidParams, error.message);
    }
    throw error;
  }
}
