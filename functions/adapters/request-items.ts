import type { JsonObject } from "../core/json.ts";
import { InvalidCursor } from "../core/ports.ts";
import type { PendingInput, PushReceipt, RequestError, RequestRecord } from "../core/record.ts";
import type { AnyToolResult } from "../core/tool.ts";

/**
 * How a request record is stored in the request table, item by item, as the state machine writes it too: JSON
 * strings for `arguments`, `result` and the failure detail; and the opaque cursor of a page of an owner's calls.
 */

/** Encodes DynamoDB's LastEvaluatedKey as an opaque cursor, and back (checking it is one we could have issued). */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor(cursor: string, owner: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
    const fields = Object.keys(key).sort().join(",");
    if (fields === "createdAt,id,owner" && key.owner === owner) return key;
  } catch {
    // fall through
  }
  throw new InvalidCursor("The cursor is not valid for this list");
}

/** The failure detail in the shape the state machine stores: the tool's `{ message, upstreamStatus, durationMs }`. */
export function errorDetail(error: RequestError): string {
  return JSON.stringify({
    message: error.message,
    upstreamStatus: error.upstreamStatus ?? null,
    durationMs: null,
  });
}

export function toItem(record: RequestRecord): Record<string, unknown> {
  const { arguments: args, result, error, executionId, input, ...rest } = record;
  const item: Record<string, unknown> = {
    ...rest,
    executionArn: executionId,
    arguments: JSON.stringify(args),
  };
  if (result !== undefined) item.result = JSON.stringify(result);
  if (input !== undefined) item.input = JSON.stringify(input);
  if (error !== undefined) {
    item.errorType = error.type;
    item.error = errorDetail(error);
  }
  return item;
}

export function fromItem(item: Record<string, unknown>): RequestRecord {
  const record: RequestRecord = {
    id: String(item.id),
    owner: String(item.owner),
    tool: String(item.tool),
    status: item.status as RequestRecord["status"],
    statusMessage: String(item.statusMessage ?? ""),
    arguments: parseJson(item.arguments, {}) as JsonObject,
    argumentsDigest: String(item.argumentsDigest ?? ""),
    // Stored as `executionArn` (design.md's data); the core calls it by what it is anywhere, an execution id.
    executionId: String(item.executionArn ?? ""),
    createdAt: String(item.createdAt),
    lastUpdatedAt: String(item.lastUpdatedAt ?? item.createdAt),
    expiresAt: Number(item.expiresAt ?? 0),
  };
  for (const key of [
    "workingSince",
    "plannedAt",
    "releaseAt",
    "nextCheckAt",
    "toolStartedAt",
    "cancelRequestedAt",
    "settledAt",
    "eventSummary",
    "golfer",
  ] as const) {
    if (typeof item[key] === "string") record[key] = item[key];
  }
  if (item.outbox === "pending") record.outbox = "pending";
  if (typeof item.watchChecks === "number") record.watchChecks = item.watchChecks;
  if (typeof item.eventDurationMs === "string") {
    const duration = Number(item.eventDurationMs);
    record.eventDurationMs = Number.isFinite(duration) ? duration : null;
  }
  if (typeof item.result === "string") record.result = parseJson(item.result, undefined) as AnyToolResult;
  if (typeof item.input === "string") record.input = parseJson(item.input, undefined) as PendingInput;
  if (typeof item.push === "string") record.push = parseJson(item.push, undefined) as PushReceipt;
  if (typeof item.errorType === "string")
    record.error = toRequestError(item.errorType, parseJson(item.error, {}));
  return record;
}

/**
 * A failure is stored as `errorType` and `error`, the tool's JSON `{ message, upstreamStatus, durationMs }` exactly
 * as the state machine received it; the record keeps what a reader needs.
 */
function toRequestError(type: string, detail: unknown): RequestError {
  const raw = (detail ?? {}) as Record<string, unknown>;
  const error: RequestError = { type, message: String(raw.message ?? "") };
  if (typeof raw.upstreamStatus === "number") error.upstreamStatus = raw.upstreamStatus;
  return error;
}

function parseJson(text: unknown, fallback: unknown): unknown {
  if (typeof text !== "string") return fallback;
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}
