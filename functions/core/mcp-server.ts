import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  CancelTaskRequestSchema,
  CompleteRequestSchema,
  type CreateTaskResult,
  ErrorCode,
  GetPromptRequestSchema,
  type GetPromptResult,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListTasksRequestSchema,
  ListToolsRequestSchema,
  type ListToolsResult,
  McpError,
  ReadResourceRequestSchema,
  type Task,
} from "@modelcontextprotocol/sdk/types.js";
import type { Catalog, CompletionRef, Reader } from "./catalog.ts";
import { jsonRpcResultText } from "./http.ts";
import type { Round } from "./input-rounds.ts";
import type { JsonObject } from "./json.ts";
import { type Principal, StoreUnavailable } from "./ports.ts";
import type { PendingInput } from "./record.ts";
import { type RpcError, rpcError } from "./rpc-error.ts";
import type { Recall, ToolDefinition, ToolRegistry } from "./tool.ts";

/** What the server tells a model about itself, in both eras. */
export const INSTRUCTIONS =
  "Tools run as durable workflows. A slow call answers with a requestId; fetch its result later with get_request_status.";

/** What the catalog (resources, prompts, completions) is declared as, in both eras: no list changes, no subscriptions. */
export const CATALOG_CAPABILITIES = { resources: {}, prompts: {}, completions: {} } as const;

/** The protocol versions this server speaks, newest first. */
export const PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;

export { REQUEST_ID_META_KEY } from "./call-result.ts";

/** What a tools/call handler knows of the HTTP request behind it. */
export interface CallContext {
  principal: Principal;
  idempotencyKey: string | undefined;
  /** The absolute URL of the MCP endpoint the call came in on (status URLs are built from it). */
  endpointUrl: string;
  signal: AbortSignal;
  /** The call asked to run as an MCP task (answer with CreateTaskResult at once). */
  task: boolean;
  /** The task waits for its client's input before it runs (SEP-2663): created input_required. */
  awaiting?: PendingInput;
}

/** What the MCP requests do; the front's ToolCalls implements it over the ports. */
export interface McpOperations {
  call(name: string, args: JsonObject, context: CallContext): Promise<CallToolResult | CreateTaskResult>;
  task(id: string, principal: Principal): Promise<Task | undefined>;
  taskResult(
    id: string,
    principal: Principal,
    endpointUrl: string,
    signal?: AbortSignal,
  ): Promise<CallToolResult | undefined>;
  listTasks(principal: Principal, cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }>;
  cancelTask(id: string, principal: Principal): Promise<Task>;
  /**
   * The task with, once it has ended, the call's result (2026-07-28's Tasks extension inlines it), after waiting up
   * to `waitMs` for it to change; undefined for unknown tasks and other owners' alike.
   */
  detailedTask(
    id: string,
    principal: Principal,
    options: { waitMs: number; endpointUrl: string; signal?: AbortSignal },
  ): Promise<{ task: Task; result?: CallToolResult } | undefined>;
  /** Asks a call to stop, honestly (call-lifecycle.ts): false for unknown tasks and other owners' alike. */
  cancelCall(id: string, principal: Principal): Promise<boolean>;
  /** Whether a call may go ahead before anything is recorded (unknown tool, bad arguments: -32602). */
  admit(
    name: string,
    args: JsonObject,
    context: Pick<CallContext, "principal" | "task">,
  ): { definition: ToolDefinition } | { refused: CallToolResult };
  /** The caller's recent completed results (what a confirmation tells from). */
  recall(principal: Principal): Recall;
  /** What a resource read may do for its caller. */
  reader(principal: Principal, endpointUrl: string, signal: AbortSignal): Reader;
  /**
   * tasks/update: a task's client answers some of what it asked; once all is answered the tool's gather step decides
   * (run, ask again, or answer). False for unknown tasks and other owners' alike; answers to a task that is not
   * waiting are ignored, as the spec says.
   */
  provideInput(
    id: string,
    principal: Principal,
    responses: JsonObject,
    round: Omit<Round, "responses" | "kept">,
  ): Promise<boolean>;
}

/** The _meta key that ties a message to its task. */
const RELATED_TASK_META_KEY = "io.modelcontextprotocol/related-task";

export interface McpServerOptions {
  name: string;
  version: string;
  tools: ToolRegistry;
  operations: McpOperations;
  /** Resources, prompts and completions. */
  catalog: Catalog;
  /** Logs what the client must not see (unexpected errors). */
  onUnexpectedError: (error: unknown) => void;
  /** Answer initialize, ping and tools/list without an SDK server (default); tests compare both ways. */
  fastPath?: boolean;
}

/**
 * The answers to requests whose result depends on nothing but the request: initialize (the version was already
 * negotiated by the front), ping and tools/list. Only plain, well-formed requests qualify; anything else (a batch,
 * a notification, a missing Accept) goes to the SDK, which answers it as the transport specifies.
 */
function constantAnswers(
  serverInfo: { name: string; version: string },
  serverOptions: { capabilities: object; instructions: string },
  tools: Listed[],
): (request: Request, body: unknown) => Response | undefined {
  const toolsResult = JSON.stringify({ tools });
  const respond = (id: unknown, resultJson: string) => jsonRpcResultText(id, resultJson);
  return (request, body) => {
    const accept = request.headers.get("accept") ?? "";
    if (!accept.includes("application/json") || !accept.includes("text/event-stream")) return undefined;
    if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
    const message = body as { id?: unknown; method?: unknown; params?: Record<string, unknown> };
    if (typeof message.id !== "string" && typeof message.id !== "number") return undefined;
    switch (message.method) {
      case "ping":
        return respond(message.id, "{}");
      case "tools/list":
        return message.params?.cursor === undefined ? respond(message.id, toolsResult) : undefined;
      case "initialize":
        return respond(
          message.id,
          JSON.stringify({
            protocolVersion: message.params?.protocolVersion,
            capabilities: serverOptions.capabilities,
            serverInfo,
            instructions: serverOptions.instructions,
          }),
        );
      default:
        return undefined;
    }
  };
}

/**
 * What a client is told of an operation's failure, in either era: the MCP errors as they are, the store's
 * retryable sentence, and for anything unexpected a generic sentence (the error itself goes to the operator).
 */
export function rpcErrorOf(error: unknown, onUnexpectedError: (error: unknown) => void): RpcError {
  if (error instanceof McpError) return rpcError(error);
  if (error instanceof StoreUnavailable) return rpcError(ErrorCode.InternalError, error.clientMessage);
  onUnexpectedError(error);
  return rpcError(ErrorCode.InternalError, "Internal error. The operator can find the details in the logs.");
}

/** The "still running" shape a workflow tool may answer with instead of its result. */
const PENDING_SCHEMA = {
  type: "object",
  properties: {
    requestId: { type: "string" },
    status: { type: "string", enum: ["working", "input_required"] },
    statusUrl: { type: "string" },
  },
  required: ["requestId", "status", "statusUrl"],
} as const;

/** The tool as clients see it: a workflow tool's output is its result or the pending handle. */
export type Listed = ListToolsResult["tools"][number];

export function listed(definition: ToolDefinition): Listed {
  const tool: Listed = {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    inputSchema: definition.inputSchema as Listed["inputSchema"],
    annotations: { title: definition.title, ...definition.annotations },
    execution: {
      taskSupport: definition.runs === "workflow" ? (definition.taskSupport ?? "optional") : "forbidden",
    },
  };
  if (definition.outputSchema) {
    tool.outputSchema =
      definition.runs === "workflow"
        ? { type: "object", anyOf: [definition.outputSchema, PENDING_SCHEMA] }
        : (definition.outputSchema as Listed["outputSchema"] & object);
  }
  return tool;
}

export interface McpHttpRequest {
  request: Request;
  parsedBody: unknown;
  principal: Principal;
}

/**
 * Builds the handler of one MCP HTTP request. Stateless: each request gets a fresh SDK server and transport
 * (the SDK forbids reusing a stateless transport), so no state leaks between calls or cold starts.
 *
 * @example
 * const handleMcp = createMcpHandler({ name: "rez-agent-mcp", version: "0.1.0", tools, operations, onUnexpectedError });
 * const response = await handleMcp({ request, parsedBody, principal });
 */
export function createMcpHandler(options: McpServerOptions): (input: McpHttpRequest) => Promise<Response> {
  const toolList = options.tools.list().map(listed);
  const serverInfo = { name: options.name, version: options.version };
  const serverOptions = {
    capabilities: {
      tools: { listChanged: false },
      ...CATALOG_CAPABILITIES,
      tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
    },
    instructions: INSTRUCTIONS,
  };
  const constant = constantAnswers(serverInfo, serverOptions, toolList);

  return async ({ request, parsedBody, principal }) => {
    // Answers that never change need no SDK server: the same JSON the SDK would give, without building one.
    if (options.fastPath !== false) {
      const answer = constant(request, parsedBody);
      if (answer) return answer;
    }
    const server = new Server(serverInfo, serverOptions);
    const { operations } = options;
    const guarded =
      <Args extends unknown[], Result>(handler: (...args: Args) => Promise<Result>) =>
      async (...args: Args): Promise<Result> => {
        try {
          return await handler(...args);
        } catch (error) {
          throw rpcErrorOf(error, options.onUnexpectedError);
        }
      };
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: toolList }));
    server.setRequestHandler(
      CallToolRequestSchema,
      guarded(async (call, extra) => {
        const context: CallContext = {
          principal,
          idempotencyKey: request.headers.get("idempotency-key") ?? undefined,
          endpointUrl: request.url,
          signal: extra.signal,
          task: call.params.task !== undefined,
        };
        return operations.call(call.params.name, (call.params.arguments ?? {}) as JsonObject, context);
      }),
    );
    const { catalog } = options;
    server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: catalog.resources }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
      resourceTemplates: catalog.resourceTemplates,
    }));
    server.setRequestHandler(
      ReadResourceRequestSchema,
      guarded(async ({ params }, extra) => {
        const read = await catalog.read(params.uri, operations.reader(principal, request.url, extra.signal));
        return { contents: read.contents };
      }),
    );
    server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: catalog.prompts }));
    server.setRequestHandler(
      GetPromptRequestSchema,
      // No responses can come in this era (its requests are answered in JSON, so it cannot ask): needs are skipped.
      guarded(async ({ params }) => catalog.prompt(params.name, params.arguments ?? {}) as GetPromptResult),
    );
    server.setRequestHandler(
      CompleteRequestSchema,
      guarded(async ({ params }, extra) =>
        catalog.complete(
          params.ref as CompletionRef,
          params.argument,
          operations.reader(principal, request.url, extra.signal),
        ),
      ),
    );
    const notFound = (id: string) => new McpError(ErrorCode.InvalidParams, `Task not found: ${id}`);
    server.setRequestHandler(
      GetTaskRequestSchema,
      guarded(async ({ params }) => {
        const task = await operations.task(params.taskId, principal);
        if (!task) throw notFound(params.taskId);
        return task as never;
      }),
    );
    server.setRequestHandler(
      GetTaskPayloadRequestSchema,
      guarded(async ({ params }, extra) => {
        const result = await operations.taskResult(params.taskId, principal, request.url, extra.signal);
        if (!result) throw notFound(params.taskId);
        return { ...result, _meta: { ...result._meta, [RELATED_TASK_META_KEY]: { taskId: params.taskId } } };
      }),
    );
    server.setRequestHandler(
      ListTasksRequestSchema,
      guarded(async ({ params }) => (await operations.listTasks(principal, params?.cursor)) as never),
    );
    server.setRequestHandler(
      CancelTaskRequestSchema,
      guarded(async ({ params }) => (await operations.cancelTask(params.taskId, principal)) as never),
    );
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, {
        parsedBody,
        authInfo: { token: "", clientId: principal.owner, scopes: [] },
      });
    } finally {
      void server.close();
    }
  };
}
