import {
  CallToolRequestSchema,
  CancelTaskRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  InitializeRequestSchema,
  ListTasksRequestSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { isJsonObject } from "./json.ts";

export type EnvelopeCheck = { ok: true } | { ok: false; message: string };

/**
 * Checks the JSON-RPC 2.0 envelope of one message, so a malformed one is answered with -32600 (the SDK would
 * call it a parse error). Batches are refused: protocol 2025-06-18 removed them.
 */
export function checkEnvelope(message: unknown): EnvelopeCheck {
  if (Array.isArray(message)) return { ok: false, message: "Invalid Request: batches are not supported" };
  if (!isJsonObject(message))
    return { ok: false, message: "Invalid Request: the body must be a JSON-RPC object" };
  if (message.jsonrpc !== "2.0") return { ok: false, message: 'Invalid Request: "jsonrpc" must be "2.0"' };
  const { id, method } = message;
  if (id !== undefined && typeof id !== "string" && !(typeof id === "number" && Number.isInteger(id))) {
    return { ok: false, message: 'Invalid Request: "id" must be a string or an integer' };
  }
  if (method !== undefined) {
    if (typeof method !== "string" || method.length === 0) {
      return { ok: false, message: 'Invalid Request: "method" must be a non-empty string' };
    }
    if (message.params !== undefined && !isJsonObject(message.params)) {
      return { ok: false, message: 'Invalid Request: "params" must be an object' };
    }
    return { ok: true };
  }
  // A response from the client (to a server request): needs an id and exactly one of result / error.
  if (id === undefined || "result" in message === "error" in message) {
    return {
      ok: false,
      message: 'Invalid Request: a message needs a "method", or an "id" with "result" or "error"',
    };
  }
  return { ok: true };
}

interface ParamsSchema {
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: readonly Issue[] } };
}

interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

/** The requests this server answers, with the SDK's own schemas for them. */
// A Map, not an object: a method named "constructor" or "__proto__" must find nothing, not Object.prototype's.
const REQUEST_SCHEMAS: ReadonlyMap<string, ParamsSchema> = new Map<string, ParamsSchema>([
  ["initialize", InitializeRequestSchema],
  ["ping", PingRequestSchema],
  ["tools/list", ListToolsRequestSchema],
  ["tools/call", CallToolRequestSchema],
  ["tasks/get", GetTaskRequestSchema],
  ["tasks/result", GetTaskPayloadRequestSchema],
  ["tasks/list", ListTasksRequestSchema],
  ["tasks/cancel", CancelTaskRequestSchema],
]);

/**
 * Checks a known request's params against the SDK's schema, so a malformed one is answered with -32602 and a
 * sentence naming the field (the SDK would answer -32603 with the validator's raw output). Unknown methods pass:
 * the SDK answers them with -32601.
 */
export function checkParams(message: unknown): EnvelopeCheck {
  if (!isJsonObject(message) || typeof message.method !== "string" || message.id === undefined)
    return { ok: true };
  const schema = REQUEST_SCHEMAS.get(message.method);
  if (!schema) return { ok: true };
  const parsed = schema.safeParse(message);
  if (parsed.success) return { ok: true };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join(".") : "params";
  return {
    ok: false,
    message: `Invalid params for ${message.method}: ${where}: ${issue?.message ?? "invalid"}`,
  };
}
