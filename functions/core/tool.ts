import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Gather } from "./input-rounds.ts";
import type { JsonObject } from "./json.ts";
import type { WorkflowKind } from "./ports.ts";

/** MCP tool annotations: hints for the client, kept honest. */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** A JSON Schema (2020-12) describing an object. */
export interface ObjectSchema {
  readonly type: "object";
  readonly [keyword: string]: unknown;
}

/** What our tools return: an MCP CallToolResult with both a readable text and structured content. */
export interface ToolResult {
  content: { type: "text"; text: string }[];
  structuredContent?: JsonObject;
  isError?: boolean;
}

/**
 * What a call's result may be as it travels (the workflow, the record, the answer): any of MCP's content blocks,
 * for a tool that returns images, audio or resources.
 */
export type AnyToolResult = Omit<ToolResult, "content"> & { content: CallToolResult["content"] };

/** The part of a tool every side knows: the front validates with it, clients list it. */
export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectSchema;
  outputSchema?: ObjectSchema;
  annotations: ToolAnnotations;
  /**
   * `workflow`: every call is a state machine execution (the Task state is named in the ASL file).
   * `front`: answered by the front handler from the request store, with no workflow.
   */
  runs: "workflow" | "front";
  /**
   * Every outcome of a call of this tool (completed or failed) pushes once to the owner's phone: a booking is
   * something a golfer asleep or away must hear of. The notification rule is derived from this, never listed by hand.
   */
  notifies?: boolean;
  /**
   * `golfer`: the call acts for its key's golfer (the golf sites' accounts, the golfer's phone), so a key with no
   * golf account is refused it. Set by the manifest from what the tool's function uses, never by hand.
   */
  actsFor?: "golfer";
  /**
   * `required`: the tool runs only as a task, so a client that takes no tasks is refused it (-32021 in 2026-07-28;
   * `execution.taskSupport: "required"` in the initialize era). Otherwise a workflow tool's tasks are optional.
   */
  taskSupport?: "required";
  /** `scheduled`: the call runs on the scheduled-booking state machine (it waits, then acts), not the tool-call one. */
  workflow?: "scheduled";
  /**
   * For a call that may act long after it is accepted (a scheduled booking, a watch): the latest instant (epoch ms)
   * it may still act, from its arguments, at `now`. Its record lives until then plus the retention, so a release
   * weeks away still finds it. Without it a call acts within the retention.
   */
  actsUntil?: (args: JsonObject, now: number) => number;
  /**
   * Input gathered from the client before the call, by multi round-trip requests (input-rounds.ts): a tool that
   * books asks its user to confirm (confirmation.ts). Runs in the front on every round; never reaches an upstream.
   */
  gather?: Gather;
  /**
   * `task`: for a client that takes tasks, the gather step's questions are the task's (SEP-2663): the task is
   * created at once, input_required, and runs once tasks/update has answered them. Otherwise they come before the
   * call, as input_required results (a booking's confirmation: nothing recorded until accepted).
   */
  gatherWithin?: "task";
  /**
   * For a tool with a side effect: what is true when its run stopped without an outcome, and what the person should
   * check before trying again. Never "try again" alone: the effect may have happened.
   */
  effect?: {
    unknown: string;
    check: string;
    /** The workflow can ask the upstream what became of a step that was cut off (`resolve: true` in its input). */
    resolves?: boolean;
  };
}

/** A completed result of one of the caller's recent calls, newest first. */
export interface Recalled {
  arguments: JsonObject;
  structuredContent: JsonObject;
  /** When the call settled (ISO 8601). */
  at: string;
}

/** The caller's recent completed results of a tool (a bounded read of their own records). */
export type Recall = (tool: string) => Promise<Recalled[]>;

/** Read-only tools run as express executions (fast, answered in the call); side effects as durable standard ones. */
export function workflowKindOf(definition: Pick<ToolDefinition, "annotations" | "workflow">): WorkflowKind {
  if (definition.workflow) return definition.workflow;
  return definition.annotations.readOnlyHint ? "express" : "standard";
}

/** A tool the workflow runs: its definition plus the code that talks to its upstream. */
export interface ExecutableTool<Deps, Input = JsonObject, Result extends AnyToolResult = ToolResult> {
  definition: ToolDefinition;
  /** One line for events and logs, free of personal data. */
  summarize(result: Result): string;
  execute(input: Input, deps: Deps): Promise<Result>;
}

/** Tool names as MCP allows them. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** An immutable set of tool definitions, looked up by name. */
export class ToolRegistry {
  readonly #byName: ReadonlyMap<string, ToolDefinition>;

  constructor(definitions: readonly ToolDefinition[]) {
    const byName = new Map<string, ToolDefinition>();
    for (const definition of definitions) {
      if (!TOOL_NAME_PATTERN.test(definition.name)) throw new Error(`Invalid tool name: ${definition.name}`);
      if (byName.has(definition.name)) throw new Error(`Duplicate tool name: ${definition.name}`);
      byName.set(definition.name, definition);
    }
    this.#byName = byName;
  }

  get(name: string): ToolDefinition | undefined {
    return this.#byName.get(name);
  }

  list(): ToolDefinition[] {
    return [...this.#byName.values()];
  }
}
