import { ErrorCode, McpError, type Task } from "@modelcontextprotocol/sdk/types.js";
import { REQUEST_ID_META_KEY, STATUS_META_KEY } from "./call-result.ts";
import { type Answer, Confirmations, StateRefused } from "./confirmation.ts";
import { jsonResponse, jsonRpcFailure } from "./http.ts";
import { isJsonObject, type JsonObject } from "./json.ts";
import { checkParams } from "./jsonrpc.ts";
import {
  type CallContext,
  INSTRUCTIONS,
  listed,
  type McpOperations,
  PROTOCOL_VERSIONS,
  rpcErrorOf,
} from "./mcp-server.ts";
import type { Principal } from "./ports.ts";
import { type ToolDefinition, type ToolRegistry, workflowKindOf } from "./tool.ts";

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
  unsupportedProtocolVersion: -32022,
} as const;

/**
 * claude.ai's connectors send 2026-07-28 bodies under `MCP-Protocol-Version: 2025-11-25` (anthropics/claude-code
 * #93290). That pair, and only that pair, is served as the body's version.
 */
const CONNECTOR_QUIRK = { header: "2025-11-25", body: "2026-07-28" } as const;

/** How long a client may keep what does not change while the server runs (tools, discovery). */
const STABLE_TTL_MS = 3_600_000;

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

/** `=?base64?…?=`: a header value carried as the Base64 of its UTF-8 (streamable-http, "Value Encoding"). */
function decodedHeader(value: string): string {
  const sentinel = /^=\?base64\?([A-Za-z0-9+/=]*)\?=$/.exec(value);
  return sentinel ? Buffer.from(sentinel[1] as string, "base64").toString("utf8") : value;
}

type Id = string | number;

const answer = (id: Id, result: JsonObject) => jsonResponse(200, { jsonrpc: "2.0", id, result });

export interface ModernOptions {
  name: string;
  version: string;
  tools: ToolRegistry;
  operations: McpOperations;
  /** Confirmation before booking; absent when the server's setting turns it off. */
  confirmations: Confirmations | undefined;
  onUnexpectedError: (error: unknown) => void;
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
  const capabilities = { tools: {}, extensions: { [TASKS_EXTENSION]: {} } };
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

  /**
   * Confirmation before a booking (confirmation.ts): the first call of a tool that books, from a client that can
   * ask its user, answers input_required; the retry carries the user's answer under the state we signed. Either
   * the idempotency key the call goes ahead with, or the answer that ends this request.
   */
  async function confirmed(
    definition: ToolDefinition,
    args: JsonObject,
    params: JsonObject,
    meta: JsonObject,
    principal: Principal,
    idempotencyKey: string | undefined,
  ): Promise<{ idempotencyKey: string | undefined } | { answer: JsonObject }> {
    const { confirmations } = options;
    if (!confirmations || !definition.confirm) return { idempotencyKey };
    if (!Confirmations.canAsk(meta[META.clientCapabilities] as JsonObject)) return { idempotencyKey };
    const asked = { principal, definition, args, idempotencyKey };
    const ask = async () => {
      const plan = await definition.confirm?.(args, operations.recall(principal));
      return plan === undefined ? undefined : { answer: await confirmations.ask(asked, plan) };
    };
    if (params.requestState === undefined) return (await ask()) ?? { idempotencyKey };
    let answered: Answer;
    try {
      answered = await confirmations.answer(asked, params.requestState, params.inputResponses);
    } catch (error) {
      if (error instanceof StateRefused)
        throw new McpError(ErrorCode.InvalidParams, `Invalid requestState: ${error.message}`);
      throw error;
    }
    if (answered.kind === "accepted") return { idempotencyKey: answered.idempotencyKey };
    if (answered.kind === "unanswered") return (await ask()) ?? { idempotencyKey };
    const text = `Not booked: the booking was ${answered.action === "decline" ? "declined" : "cancelled"} when confirming it. Nothing was held or booked.`;
    return { answer: { resultType: "complete", content: [{ type: "text", text }], isError: true } };
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
    const mismatch = headerMismatch(request.headers, method, params, version);
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
    try {
      switch (method) {
        case "server/discover":
          return answer(id, {
            resultType: "complete",
            supportedVersions: SUPPORTED_VERSIONS,
            capabilities,
            instructions: INSTRUCTIONS,
            ttlMs: STABLE_TTL_MS,
            cacheScope: "public",
            _meta: resultMeta,
          });
        case "tools/list":
          return answer(id, {
            resultType: "complete",
            tools,
            ttlMs: STABLE_TTL_MS,
            cacheScope: "public",
            _meta: resultMeta,
          } as never);
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
          let idempotencyKey = request.headers.get("idempotency-key") ?? undefined;
          const confirmation = await confirmed(definition, args, params, meta, principal, idempotencyKey);
          if ("answer" in confirmation) return answer(id, { ...confirmation.answer, _meta: resultMeta });
          idempotencyKey = confirmation.idempotencyKey;
          const context: CallContext = {
            principal,
            idempotencyKey,
            endpointUrl: request.url,
            signal: request.signal,
            task: asTask,
          };
          const result = await operations.call(name, args, context);
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
          return answer(id, {
            ...taskFields(detailed.task),
            ...(detailed.result ? { result: detailed.result as JsonObject } : {}),
            resultType: "complete",
            _meta: resultMeta,
          });
        }
        case "tasks/cancel": {
          // Acknowledged once the cancel has reached the call; whether it stops it is the honest-cancel rule's.
          const taskId = String(params.taskId);
          if (!(await operations.cancelCall(taskId, principal))) return taskNotFound(id, taskId);
          return answer(id, { resultType: "complete", _meta: resultMeta });
        }
        case "tasks/update": {
          // No task of ours asks for input yet: responses to requests never issued are ignored, as the spec says.
          const taskId = String(params.taskId);
          const known = await operations.detailedTask(taskId, principal, {
            waitMs: 0,
            endpointUrl: request.url,
          });
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

/** How long a tasks/get of a working task waits for it to end before answering: a poll costs little either way. */
export const TASK_GET_WAIT_MS = 1_000;

/**
 * The requests whose `Mcp-Name` header mirrors a body field, and which field: the core's (streamable-http,
 * "Standard Request Headers") and the Tasks extension's, which routes by the task id.
 */
const MCP_NAME_SOURCE = new Map([
  ["tools/call", "name"],
  ["prompts/get", "name"],
  ["resources/read", "uri"],
  ["tasks/get", "taskId"],
  ["tasks/update", "taskId"],
  ["tasks/cancel", "taskId"],
]);

function declaresTasks(meta: JsonObject): boolean {
  const extensions = (meta[META.clientCapabilities] as JsonObject).extensions;
  return isJsonObject(extensions) && isJsonObject(extensions[TASKS_EXTENSION]);
}

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

/** Which standard header disagrees with the body, or is missing (streamable-http, "Server Validation"). */
function headerMismatch(
  headers: Headers,
  method: string,
  params: JsonObject,
  version: string,
): string | undefined {
  const versionHeader = headers.get("mcp-protocol-version");
  if (versionHeader === null) return "the MCP-Protocol-Version header is missing";
  const connector = versionHeader === CONNECTOR_QUIRK.header && version === CONNECTOR_QUIRK.body;
  if (versionHeader !== version && !connector) {
    return `MCP-Protocol-Version header value '${versionHeader}' does not match body value '${version}'`;
  }
  const methodHeader = headers.get("mcp-method");
  if (methodHeader === null) return "the Mcp-Method header is missing";
  if (methodHeader !== method)
    return `Mcp-Method header value '${methodHeader}' does not match body value '${method}'`;
  const source = MCP_NAME_SOURCE.get(method);
  if (source !== undefined) {
    const named = params[source];
    const nameHeader = headers.get("mcp-name");
    if (nameHeader === null) return "the Mcp-Name header is missing";
    if (decodedHeader(nameHeader) !== named) {
      return `Mcp-Name header value '${nameHeader}' does not match body value '${String(named)}'`;
    }
  }
  return undefined;
}
