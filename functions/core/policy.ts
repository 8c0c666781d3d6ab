/**
 * What each failure class means, stated once. The error classes take their names from here, the tools read
 * whether a class is retried before turning a failure that may have reached a site into one that is not, and the
 * state machine generator (statemachines/generate.ts) writes every Retry, Catch and "Business failure?" from it.
 */

/** A Step Functions Retry's timing: full jitter always, so a crowd of retries never arrives together. */
export interface Backoff {
  IntervalSeconds: number;
  BackoffRate: number;
  MaxAttempts: number;
  MaxDelaySeconds?: number;
}

/** What a failure says about the world outside: the answer a caller needs before trying again. */
export type Effect =
  /** Nothing was changed: safe to try again. */
  | "none"
  /** The message says what was done and what was not (a booking that stopped after its hold). */
  | "stated"
  /** It may or may not have happened: check before trying again. */
  | "unknown";

export interface FailurePolicy {
  /** Retried by the workflow, and how; absent: never retried. */
  retry?: Backoff;
  /** The caller's or the upstream's refusal: recorded, and the execution ends green (no alarm). */
  business: boolean;
  effect: Effect;
}

/**
 * The classes a tool function fails with (its Lambda error type). Only `UpstreamUnavailable` is retried: a tool
 * throws it only while nothing can have changed upstream.
 */
export const TOOL_FAILURES = {
  /** The upstream is down, slow, rate limiting or answered garbage, before anything changed. */
  UpstreamUnavailable: {
    retry: { IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 3, MaxDelaySeconds: 20 },
    business: false,
    effect: "none",
  },
  /** The upstream understood and said no. */
  UpstreamRejected: { business: true, effect: "none" },
  /** The server lacks a setting the tool needs. */
  NotConfigured: { business: true, effect: "none" },
  /** The arguments passed the schema but make no sense. */
  ValidationFailed: { business: true, effect: "none" },
  /** A multi-step change stopped after it began upstream; the message says which step and what was changed. */
  BookingIncomplete: { business: false, effect: "stated" },
  /** A one-step change the upstream may or may not have made. */
  OutcomeUnknown: { business: false, effect: "unknown" },
  /** Anything untyped: the tool's own bug. */
  ToolCrashed: { business: false, effect: "unknown" },
} as const satisfies Record<string, FailurePolicy>;

export type ToolFailureName = keyof typeof TOOL_FAILURES;

export const TOOL_FAILURE_NAMES = Object.keys(TOOL_FAILURES) as ToolFailureName[];

/** Whether the workflow retries a tool failure of this class. */
export function isRetried(name: string): boolean {
  return Boolean((TOOL_FAILURES as Record<string, FailurePolicy>)[name]?.retry);
}

/** The classes recorded as the caller's or the upstream's refusal, ending green. */
export const BUSINESS_FAILURES = TOOL_FAILURE_NAMES.filter((name) => TOOL_FAILURES[name].business);
