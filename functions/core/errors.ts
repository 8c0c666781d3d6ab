import { isRetried, TOOL_FAILURE_NAMES, type ToolFailureName } from "./policy.ts";

/**
 * Typed tool errors. Their `name` is what the state machines' Retry and Catch match on; what each means (retried or
 * not, a business failure or not) is stated in policy.ts.
 */
export type ToolErrorName = Exclude<ToolFailureName, "ToolCrashed">;

export const TOOL_ERROR_NAMES = TOOL_FAILURE_NAMES.filter(
  (name): name is ToolErrorName => name !== "ToolCrashed",
);

export interface ToolErrorDetails {
  /** The upstream's HTTP status, for the operator (never shown as a stack trace). */
  upstreamStatus?: number;
  /** Which upstream: "nws", "open-meteo", ... */
  upstream?: string;
  /**
   * Whether the request reached the upstream: "no" when no connection was made (safe to send again even if it
   * changes something), "unknown" when it may have been processed.
   */
  delivered?: "no" | "unknown";
}

/** Base class: `message` is a plain sentence a model can show a person. */
export abstract class ToolError extends Error {
  abstract override readonly name: ToolErrorName;
  readonly details: ToolErrorDetails;

  constructor(message: string, details: ToolErrorDetails = {}) {
    super(message);
    this.details = details;
  }
}

/** The upstream is down, slow, rate limiting or answered garbage: worth retrying later. */
export class UpstreamUnavailable extends ToolError {
  override readonly name = "UpstreamUnavailable" as const;
}

/** The upstream understood and said no: retrying will not help. */
export class UpstreamRejected extends ToolError {
  override readonly name = "UpstreamRejected" as const;
}

/** The server lacks a setting the tool needs (a course, a credential). */
export class NotConfigured extends ToolError {
  override readonly name = "NotConfigured" as const;
}

/** The arguments passed the schema but make no sense (a date in the past, an unknown place). */
export class ValidationFailed extends ToolError {
  override readonly name = "ValidationFailed" as const;
}

/**
 * A multi-step change stopped after it began on the upstream (a booking failed after the tee time was held).
 * Never retried: the message says which step failed, whether anything was changed, and what to check.
 */
export class BookingIncomplete extends ToolError {
  override readonly name = "BookingIncomplete" as const;
}

/**
 * A one-step change the upstream may or may not have made (it did not answer after receiving the request). Never
 * retried, since a retry could make it twice; the message says what to check.
 */
export class OutcomeUnknown extends ToolError {
  override readonly name = "OutcomeUnknown" as const;
}

export function isToolError(error: unknown): error is ToolError {
  return error instanceof ToolError;
}

/**
 * Whether the workflow would retry this failure (policy.ts). A tool whose request may have reached the upstream
 * turns such a failure into one that is not retried, so a change is never made twice.
 */
export function isRetriedFailure(error: unknown): error is ToolError {
  return error instanceof ToolError && isRetried(error.name);
}
