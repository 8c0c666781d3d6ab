import { type CallToolResult, ErrorCode, McpError, type Task } from "@modelcontextprotocol/sdk/types.js";
import { ERROR_TYPE_META_KEY, REQUEST_ID_META_KEY, STATUS_META_KEY } from "./call-result.ts";
import type { CompletionRef } from "./catalog.ts";
import { TOOL_ERROR_NAMES } from "./errors.ts";
import { jsonResponse, jsonRpcFailure, jsonRpcResultText } from "./http.ts";
import { type Asked, type Gather, type InputRounds, StateRefused } from "./input-rounds.ts";
import { isJsonObject, type JsonObject } from "./json.ts";
import { checkParams } from "./jsonrpc.ts";
import { headerMismatch, mirroredParams, paramMismatch } from "./mcp-headers.ts";
import {
  CATALOG_CAPABILITIES,
  type CallContext,
  INSTRUCTIONS,
  listed,
  type McpServerOptions,
  PROTOCOL_VERSIONS,
  rpcErrorOf,
} from "./mcp-server.ts";
import type { Principal } from "./ports.ts";
import type { PendingInput } from "./record.ts";
import { workflowKindOf } from "./tool.ts";

/**
 * MCP 2026-07-28, the stateless era (docs/specification/2026-07-28): no initialize; every request carries its
 * version and capabilities in `_meta`, its method (and name) in headers the server checks against the body; every
 * result has a `resultType`. Hand-written: no maintained TypeScript server package serves this revision with our
 * workflows behind it (the SDK 1.x line stops at 2025-11-25). The initialize era stays in mcp-server.ts.
 */

/** The stateless revisions this server speaks, newest first. */
export const MODERN_VERSIONS = ["2026-07-28"] as const;

/** Every version the server speaks, both eras, newest first (discovery and -32022 name them). */
const SUPPORTED_VERSIONS = [...MODERN_VERSIONS, ...PROTOCOL_VERSIONS];

const META = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  serverInfo: "io.modelcontextprotocol/serverInfo",
} as const;

/** The error codes 2026-07-28 defines (basic/index, "Error Codes"). */
export const MODERN_ERRORS = {
  headerMismatch: -32020,
  missingClientCapability: -32021,
  unsupportedProtocolVersion: -32022,
} as const;

/** What a client may keep while the server runs, for an hour, and share (tools, prompts, discovery). */
const STABLE_CACHE = { ttlMs: 3_600_000, cacheScope: "public" } as const;

/**
 * Which era a request belongs to, decided once per request: the stateless era when its body carries a protocol
 * version in `_meta`, when it is `server/discover`, or when its version header names no initialize-era version;
 * everything else (initialize and the requests of its sessions) is the initialize era.
 */
export function eraOf(message: unknown, versionHeader: string | null): "modern" | "legacy" {
  if (!isJsonObject(message)) return "legacy";
  if (message.method === "server/discover") return "modern";
  const meta = isJsonObject(message.params) ? message.params._meta : undefined;
  const modern =
    (isJsonObject(meta) && meta[META.protocolVersion] !== undefined) ||
    (versionHeader !== null && !(PROTOCOL_VERSIONS as readonly string[]).includes(versionHeader));
  // An initialize in the stateless era's shape asks for a method that era removed (404, -32601).
  return modern ? "modern" : "legacy";
}

type Id = string | number;

const answer = (id: Id, result: JsonObject) => jsonResponse(200, { jsonrpc: "2.0", id, result });

export interface ModernOptions extends Omit<McpServerOptions, "fastPath"> {
  /** The rounds of input gathered before a call (MRTR), with their signed states. */
  rounds: InputRounds;
  /** The server's setting: ask before booking where the client can ask. */
  confirmBookings: boolean;
}

function declaresTasks(meta: JsonObject): boolean {
  const extensions = (meta[META.clientCapabilities] as JsonObject).extensions;
  return isJsonObject(extensions) && isJsonObject(extensions[TASKS_EXTENSION]);
}

/** The handler of one 2026-07-28 request (already parsed, its envelope checked, its caller known). */
export function createModernHandler(options: ModernOptions) {
  const serverInfo = { name: options.name, version: options.version };
  const resultMeta = { [META.serverInfo]: serverInfo };
  // Deterministic: the manifest's order, and no `execution` (tasks are an extension in this era).
  const tools = options.tools.list().map((definition) => {
    const { execution: _execution, ...tool } = listed(definition);
    return tool;
  });
  const capabilities = { tools: {}, ...CATALOG_CAPABILITIES, extensions: { [TASKS_EXTENSION]: {} } };
  const mirrored = new Map(
    options.tools.list().map((definition) => [definition.name, mirroredParams(definition)]),
  );
  const { catalog } = options;
  /**
   * The answers that are the same for every caller while the server runs, written once: a request only puts its id
   * in front (the commonest requests of this era, so they cost no serialising).
   */
  const stable = (list: JsonObject) => {
    const result = JSON.stringify({ resultType: "complete", ...list, ...STABLE_CACHE, _meta: resultMeta });
    return (id: Id) => jsonRpcResultText(id, result, { "cache-control": "no-store" });
  };
  const stableAnswers = new Map([
    [
      "server/discover",
      stable({ supportedVersions: SUPPORTED_VERSIONS, capabilities, instructions: INSTRUCTIONS }),
    ],
    ["tools/list", stable({ tools } as never)],
    ["resources/list", stable({ resources: options.catalog.resources } as never)],
    ["resources/templates/list", stable({ resourceTemplates: options.catalog.resourceTemplates } as never)],
    ["prompts/list", stable({ prompts: options.catalog.prompts } as never)],
  ]);
  const { operations } = options;
  const taskAnswer = (id: Id, task: Task) =>
    answer(id, { ...taskFields(task), resultType: "task", _meta: resultMeta });
  const taskNotFound = (id: Id, taskId: string) =>
    jsonRpcFailure(200, id, ErrorCode.InvalidParams, `Task not found: ${taskId}`);

  /** A result the request is done with, its own `_meta` kept. */
  const complete = (id: Id, result: JsonObject) =>
    answer(id, {
      ...result,
      resultType: "complete",
      _meta: { ...((result._meta as JsonObject | undefined) ?? {}), ...resultMeta },
    });

  /** An interim result asking the client for input (MRTR): no caching hints, never cached. */
  const inputRequired = (id: Id, asked: JsonObject) =>
    answer(id, { resultType: "input_required", ...asked, _meta: resultMeta });
  const missingCapabilities = (id: Id, requiredCapabilities: JsonObject) =>
    jsonRpcFailure(400, id, MODERN_ERRORS.missingClientCapability, "Missing required client capability", {
      requiredCapabilities,
    });

  /** What a gather step is told of the request besides the responses: the client, the caller, the setting. */
  const roundContext = (meta: JsonObject, principal: Principal) => ({
    capabilities: meta[META.clientCapabilities] as JsonObject,
    recall: operations.recall(principal),
    confirmBookings: options.confirmBookings,
  });

  /** One round of a tool's gather step (input-rounds.ts); a state that fails its checks is -32602. */
  async function gathered(gather: Gather, asked: Asked, params: JsonObject, meta: JsonObject) {
    checkInputResponses(params.inputResponses);
    try {
      return await options.rounds.round(gather, asked, params, roundContext(meta, asked.principal));
    } catch (error) {
      if (error instanceof StateRefused) {
        throw new McpError(ErrorCode.InvalidParams, `Invalid requestState: ${error.message}`);
      }
      throw error;
    }
  }

  return async (request: Request, message: JsonObject, principal: Principal): Promise<Response> => {
    const id = (message.id ?? null) as Id | null;
    // A notification: nothing in this revision is sent to a server over HTTP; accepted and ignored.
    if (id === null) return new Response(null, { status: 202 });
    const method = String(message.method);
    const params = (isJsonObject(message.params) ? message.params : {}) as JsonObject;
    const meta = params._meta;
    if (
      !isJsonObject(meta) ||
      typeof meta[META.protocolVersion] !== "string" ||
      !isJsonObject(meta[META.clientCapabilities])
    ) {
      return jsonRpcFailure(
        400,
        id,
        ErrorCode.InvalidParams,
        `Invalid params: _meta must carry "${META.protocolVersion}" and "${META.clientCapabilities}" on every request`,
      );
    }
    const version = meta[META.protocolVersion] as string;
    // Headers first: a header that disagrees with its body is a mismatch, whatever the body's version.
    const mismatch =
      headerMismatch(request.headers, method, params, version) ??
      (method === "tools/call"
        ? paramMismatch(request.headers, mirrored.get(String(params.name)), params)
        : undefined);
    if (mismatch)
      return jsonRpcFailure(400, id, MODERN_ERRORS.headerMismatch, `Header mismatch: ${mismatch}`);
    if (!(MODERN_VERSIONS as readonly string[]).includes(version)) {
      return jsonRpcFailure(
        400,
        id,
        MODERN_ERRORS.unsupportedProtocolVersion,
        "Unsupported protocol version",
        {
          supported: SUPPORTED_VERSIONS,
          requested: version,
        },
      );
    }
    // The task methods exist only for a client that declared the extension (SEP-2663, "Required Capabilities").
    if (method.startsWith("tasks/") && !declaresTasks(meta)) return missingCapabilities(id, TASKS_REQUIRED);
    const constant = stableAnswers.get(method);
    if (constant) return constant(id);
    try {
      switch (method) {
        case "resources/read": {
          if (typeof params.uri !== "string") {
            return jsonRpcFailure(200, id, ErrorCode.InvalidParams, "Invalid params: uri must be a string");
          }
          const read = await catalog.read(
            params.uri,
            operations.reader(principal, request.url, request.signal),
          );
          return answer(id, {
            resultType: "complete",
            contents: read.contents,
            ...read.cache,
            _meta: resultMeta,
          });
        }
        case "prompts/get": {
          if (typeof params.name !== "string") {
            return jsonRpcFailure(200, id, ErrorCode.InvalidParams, "Invalid params: name must be a string");
          }
          const args = isJsonObject(params.arguments) ? (params.arguments as Record<string, string>) : {};
          const responses = isJsonObject(params.inputResponses) ? params.inputResponses : {};
          const got = catalog.prompt(params.name, args, responses);
          if ("inputRequests" in got)
            return inputRequired(id, { inputRequests: got.inputRequests as JsonObject });
          return complete(id, got as unknown as JsonObject);
        }
        case "completion/complete": {
          const ref = params.ref as CompletionRef | undefined;
          const argument = params.argument as { name?: unknown; value?: unknown } | undefined;
          if (
            !isJsonObject(ref) ||
            typeof argument?.name !== "string" ||
            typeof argument.value !== "string"
          ) {
            return jsonRpcFailure(
              200,
              id,
              ErrorCode.InvalidParams,
              "Invalid params: completion/complete needs a ref and an argument { name, value }",
            );
          }
          const completed = await catalog.complete(
            ref,
            { name: argument.name, value: argument.value },
            operations.reader(principal, request.url, request.signal),
          );
          return complete(id, completed as unknown as JsonObject);
        }
        case "tools/call": {
          const shape = checkParams(message);
          if (!shape.ok) return jsonRpcFailure(200, id, ErrorCode.InvalidParams, shape.message);
          const name = String(params.name);
          const args = (params.arguments ?? {}) as JsonObject;
          const tasks = declaresTasks(meta);
          const admitted = operations.admit(name, args, { principal, task: false });
          if ("refused" in admitted) return complete(id, admitted.refused as JsonObject);
          const { definition } = admitted;
          // Server-directed: a call that waits or acts (a standard or scheduled workflow) is a task at once when
          // the client takes tasks; a read-only one is answered in the request, and becomes a task only if it
          // outlasts the sync budget.
          const asTask = tasks && definition.runs === "workflow" && workflowKindOf(definition) !== "express";
          // A tool that runs only as a task cannot be called by a client that does not take tasks.
          if (definition.taskSupport === "required" && !tasks) return missingCapabilities(id, TASKS_REQUIRED);
          let idempotencyKey = request.headers.get("idempotency-key") ?? undefined;
          let runWith = args;
          let awaiting: PendingInput | undefined;
          if (definition.gather && definition.gatherWithin === "task" && asTask) {
            // The task is created at once and waits, input_required, for what its gather step asks (tasks/update).
            const first = await definition.gather(args, {
              ...roundContext(meta, principal),
              responses: {},
              kept: undefined,
            });
            if ("answer" in first) return complete(id, first.answer as JsonObject);
            if ("requires" in first) return missingCapabilities(id, first.requires);
            if ("ask" in first) awaiting = { requests: first.ask, responses: {}, kept: first.keep ?? {} };
            else runWith = first.arguments ?? args;
          } else if (definition.gather) {
            const outcome = await gathered(
              definition.gather,
              { principal, tool: name, args, idempotencyKey },
              params,
              meta,
            );
            if ("inputRequired" in outcome) return inputRequired(id, outcome.inputRequired);
            if ("answer" in outcome) return complete(id, outcome.answer as JsonObject);
            if ("requires" in outcome) return missingCapabilities(id, outcome.requires);
            ({ arguments: runWith, idempotencyKey } = outcome.proceed);
          }
          const context: CallContext = {
            principal,
            idempotencyKey,
            endpointUrl: request.url,
            signal: request.signal,
            task: asTask,
            ...(awaiting ? { awaiting } : {}),
          };
          const result = await operations.call(name, runWith, context);
          if ("task" in result) return taskAnswer(id, result.task as Task);
          const pendingId = pendingCallOf(result);
          if (tasks && pendingId) {
            const detailed = await operations.detailedTask(pendingId, principal, {
              waitMs: 0,
              endpointUrl: request.url,
            });
            if (detailed && !detailed.result) return taskAnswer(id, detailed.task);
          }
          return complete(id, result as JsonObject);
        }
        case "tasks/get": {
          const taskId = String(params.taskId);
          const detailed = await operations.detailedTask(taskId, principal, {
            waitMs: TASK_GET_WAIT_MS,
            endpointUrl: request.url,
            signal: request.signal,
          });
          if (!detailed) return taskNotFound(id, taskId);
          return answer(id, { ...detailedFields(detailed), resultType: "complete", _meta: resultMeta });
        }
        case "tasks/cancel": {
          // Acknowledged once the cancel has reached the call; whether it stops it is the honest-cancel rule's.
          const taskId = String(params.taskId);
          if (!(await operations.cancelCall(taskId, principal))) return taskNotFound(id, taskId);
          return answer(id, { resultType: "complete", _meta: resultMeta });
        }
        case "tasks/update": {
          // Acknowledged once the answers are stored; what the task does next shows on the next tasks/get.
          const taskId = String(params.taskId);
          checkInputResponses(params.inputResponses);
          const known = await operations.provideInput(
            taskId,
            principal,
            (params.inputResponses ?? {}) as JsonObject,
            roundContext(meta, principal),
          );
          if (!known) return taskNotFound(id, taskId);
          return answer(id, { resultType: "complete", _meta: resultMeta });
        }
        default:
          return jsonRpcFailure(404, id, ErrorCode.MethodNotFound, `Method not found: ${method}`);
      }
    } catch (error) {
      const rpc = rpcErrorOf(error, options.onUnexpectedError);
      return jsonRpcFailure(200, id, rpc.code, rpc.message, rpc.data);
    }
  };
}

/** The Tasks extension (modelcontextprotocol/ext-tasks, specification/draft/tasks.md). */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** `inputResponses` must map each input request's key to its response object (MRTR, "Error Handling"): else -32602. */
function checkInputResponses(responses: unknown): void {
  if (responses === undefined || (isJsonObject(responses) && Object.values(responses).every(isJsonObject)))
    return;
  throw new McpError(
    ErrorCode.InvalidParams,
    "Invalid params: inputResponses must map each input request's key to its response object",
  );
}

/** The client capability the task methods and task-only tools need, as -32021 names it. */
const TASKS_REQUIRED = { extensions: { [TASKS_EXTENSION]: {} } };

/**
 * A task as tasks/get details it (SEP-2663, error semantics): a call whose tool ran and reported an error (one of
 * our typed tool errors) is `completed` with its `isError` result; a call that failed otherwise (a crash, a
 * timeout, a start that never happened) is `failed` with a JSON-RPC error and no result. The record keeps its own
 * status (failed); this is only how the extension names it.
 */
function detailedFields(detailed: {
  task: Task;
  result?: CallToolResult;
  inputRequests?: JsonObject;
}): JsonObject {
  const fields = taskFields(detailed.task);
  if (detailed.inputRequests) return { ...fields, inputRequests: detailed.inputRequests };
  const { result } = detailed;
  if (detailed.task.status !== "failed" || !result)
    return result ? { ...fields, result: result as JsonObject } : fields;
  const errorType = result._meta?.[ERROR_TYPE_META_KEY] as string | undefined;
  if ((TOOL_ERROR_NAMES as readonly unknown[]).includes(errorType)) {
    return { ...fields, status: "completed", result: result as JsonObject };
  }
  return {
    ...fields,
    error: {
      code: ErrorCode.InternalError,
      message: detailed.task.statusMessage ?? "The call failed.",
      ...(errorType ? { data: { errorType } } : {}),
    },
  };
}

/** How long a tasks/get of a working task waits for it to end before answering: a poll costs little either way. */
export const TASK_GET_WAIT_MS = 1_000;

/** A task in this era's words (ttlMs, pollIntervalMs) from the 2025-11-25 shape the calls keep. */
function taskFields(task: Task): JsonObject {
  const fields: JsonObject = {
    taskId: task.taskId,
    status: task.status,
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: task.ttl ?? null,
  };
  if (task.statusMessage !== undefined) fields.statusMessage = task.statusMessage;
  if (task.pollInterval !== undefined) fields.pollIntervalMs = task.pollInterval;
  return fields;
}

/** The request id of a call answered "still running" (its result is the pending handle), else undefined. */
function pendingCallOf(result: object): string | undefined {
  const meta = (result as { _meta?: Record<string, unknown> })._meta;
  return meta?.[STATUS_META_KEY] === "working" ? (meta[REQUEST_ID_META_KEY] as string) : undefined;
}
