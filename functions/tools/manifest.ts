import { notifyRuleOf } from "../core/events.ts";
import type { ToolDefinition } from "../core/tool.ts";
import { getRequestStatusDefinition } from "./get-request-status.ts";
import { getWeatherDefinition } from "./get-weather.ts";
import { golfBookTeeTimeDefinition } from "./golf-book-tee-time.ts";
import { golfBookWhenOpenDefinition } from "./golf-book-when-open.ts";
import { golfCancelReservationDefinition } from "./golf-cancel-reservation.ts";
import { golfGetReservationsDefinition } from "./golf-get-reservations.ts";
import { golfSearchTeeTimesDefinition } from "./golf-search-tee-times.ts";
import { golfWatchTeeTimesDefinition } from "./golf-watch-tee-times.ts";
import { cancelRequestDefinition, listRequestsDefinition } from "./lifecycle-tools.ts";
import { sendPushNotificationDefinition } from "./send-push-notification.ts";

/**
 * Every tool, once: what the front lists and validates (the definition), the Lambda function that runs it, and its
 * steps on the state machine. The stack, the local runtime, the rehearsal, the event rules, the state machine
 * generator (statemachines/generate.ts) and the tests read this; none keeps a list of its own. Only definitions and
 * settings live here, never a tool's code, so the front can import it. The recipe for a new tool is in
 * docs/architecture.md.
 */

/** What a tool's function reaches: each sets the function's environment and its grants in the stack. */
export type FunctionUse = "weather" | "golf" | "ntfy" | "idempotency" | "journal";

export interface ToolFunction {
  /** Its entry module, `functions/handlers/<entry>.ts`, and its name locally. */
  entry: string;
  /** The Lambda function's timeout; the Task's own is the same unless the step says otherwise. */
  seconds: number;
  /**
   * `idempotency`: the function is idempotent per request id, so the workflow waits out a run in progress;
   * `journal`: its tool notes what it is about to do in the request's journal (in the idempotency table), so a later
   * run of the same request finds what the first one did.
   */
  uses: readonly FunctionUse[];
}

/** A tool's Task on the tool-call state machine: the names and comments the Step Functions console shows. */
export interface ToolCallStep {
  /** The Task state's name. */
  state: string;
  /** Why its Retry and Catch are what they are, in a sentence or two. */
  comment: string;
  /** A side effect's "Mark … started" state, which a cancel races (docs/architecture.md, "Cancelling, honestly"). */
  mark?: { state: string; comment: string };
  /** Attempts at UpstreamUnavailable, when fewer than the policy's (a booking's step has a deadline). */
  upstreamAttempts?: number;
  /**
   * A side effect's noun in the sentences recorded when its step ends without an answer ("The booking did not finish
   * in time, so …"), which the definition's `effect` completes. A read-only step has the generic ones.
   */
  noun?: string;
  /** The step cut off without an answer is resolved by asking the upstream (the definition's `effect.resolves`). */
  resolve?: { state: string; comment: string; seconds: number };
}

export interface ToolEntry {
  definition: ToolDefinition;
  /** The function that runs the tool's workflow steps; absent for a tool the front answers itself. */
  function?: ToolFunction;
  /** Its step on the tool-call machine; absent for the front's tools and the scheduled ones. */
  step?: ToolCallStep;
}

/** In listing order. */
export const TOOL_MANIFEST = [
  {
    definition: golfSearchTeeTimesDefinition,
    function: { entry: "golf-search-tee-times", seconds: 30, uses: ["golf"] },
    step: {
      state: "Search tee times",
      comment: "golf_search_tee_times: read-only, so transient failures are retried.",
    },
  },
  {
    definition: golfBookTeeTimeDefinition,
    function: { entry: "golf-book-tee-time", seconds: 90, uses: ["golf", "idempotency"] },
    step: {
      state: "Book tee time",
      comment:
        "golf_book_tee_time: the function is idempotent per request id (Powertools, DynamoDB). The tool throws UpstreamUnavailable only before the site holds the tee time (nothing changed), so only that is retried; a failure after it is BookingIncomplete and never retried. Lambda service errors are safe to retry: a finished run is replayed, a running one answers IdempotencyAlreadyInProgressError, which is waited out. A booking step that times out or crashes is resolved by asking the site (Resolve booking), never retried.",
      mark: {
        state: "Mark booking started",
        comment:
          "Note on the record that the booking is about to start, only if the call is still working: a cancel that lands before this stops the call cleanly; one after it cannot undo the booking, and the record says so.",
      },
      upstreamAttempts: 2,
      noun: "booking",
      resolve: {
        state: "Resolve booking",
        seconds: 60,
        comment:
          "The booking step was cut off without an answer (it timed out or crashed; after a crash the local runtime starts here). Ask the site what became of it: the booking function, invoked with resolve, books nothing and compares the golfer's reservations with the journal the booking kept. Reading is safe to retry.",
      },
    },
  },
  {
    // Both scheduled tools run on statemachines/scheduled-booking.asl.json, on this one function.
    definition: golfBookWhenOpenDefinition,
    // The race's Task times out at 150 s; the function outlives it.
    function: { entry: "golf-book-when-open", seconds: 180, uses: ["golf", "idempotency"] },
  },
  { definition: golfWatchTeeTimesDefinition },
  {
    definition: golfGetReservationsDefinition,
    function: { entry: "golf-get-reservations", seconds: 60, uses: ["golf"] },
    step: {
      state: "Get reservations",
      comment:
        "golf_get_reservations: read-only, so transient failures are retried; it may read several pages.",
    },
  },
  {
    definition: golfCancelReservationDefinition,
    function: { entry: "golf-cancel-reservation", seconds: 60, uses: ["golf", "idempotency", "journal"] },
    step: {
      state: "Cancel reservation",
      comment:
        "golf_cancel_reservation: idempotent per request id (Powertools, DynamoDB). The tool throws UpstreamUnavailable only before it sends CancelReservation (nothing changed), so only that is retried; a send that may have reached the site is OutcomeUnknown, never retried. Lambda service errors are safe to retry: a finished run is replayed, a running one answers IdempotencyAlreadyInProgressError, which is waited out.",
      mark: {
        state: "Mark cancel started",
        comment:
          "Note on the record that the cancellation is about to start, only if the call is still working: a cancel of the call that lands before this stops it cleanly; one after it cannot undo the cancellation, and the record says so.",
      },
      noun: "cancellation",
    },
  },
  {
    definition: getWeatherDefinition,
    function: { entry: "get-weather", seconds: 30, uses: ["weather"] },
    step: {
      state: "Get weather",
      comment: "get_weather: read-only and idempotent, so transient upstream failures are retried.",
    },
  },
  {
    definition: sendPushNotificationDefinition,
    function: { entry: "send-push-notification", seconds: 30, uses: ["ntfy", "idempotency"] },
    step: {
      state: "Send push notification",
      comment:
        "send_push_notification: idempotent per request id (Powertools, DynamoDB). Only a send that surely did not reach ntfy (no connection, 429, 503) is retried, as UpstreamUnavailable; one that may have delivered is OutcomeUnknown, never retried. Lambda service errors are safe to retry: a finished run is replayed, a running one answers IdempotencyAlreadyInProgressError, which is waited out.",
      mark: {
        state: "Mark push started",
        comment:
          "Note on the record that the push notification is about to start, only if the call is still working: a cancel that lands before this stops the call cleanly; one after it cannot undo the push notification, and the record says so.",
      },
      noun: "notification",
    },
  },
  { definition: getRequestStatusDefinition },
  { definition: listRequestsDefinition },
  { definition: cancelRequestDefinition },
] as const satisfies readonly ToolEntry[];

/** A tool with a function of its own. */
export type FunctionTool = Extract<(typeof TOOL_MANIFEST)[number], { function: ToolFunction }>;
export type FunctionToolName = FunctionTool["definition"]["name"];

/** What a function reaches on a golfer's behalf: its golf accounts and its phone. */
const GOLFER_USES: readonly FunctionUse[] = ["golf", "ntfy"];

/** Every tool the server offers, in listing order; a tool whose function acts for a golfer is marked `actsFor`. */
export const TOOL_DEFINITIONS: readonly ToolDefinition[] = TOOL_MANIFEST.map((entry) =>
  "function" in entry && entry.function.uses.some((use) => GOLFER_USES.includes(use))
    ? { ...entry.definition, actsFor: "golfer" as const }
    : entry.definition,
);

/** The tools with a function of their own, and their settings. */
export const TOOL_FUNCTIONS: readonly ({ tool: FunctionToolName } & ToolFunction)[] = TOOL_MANIFEST.filter(
  (entry): entry is FunctionTool => "function" in entry,
).map((entry) => ({ tool: entry.definition.name, ...entry.function }));

/** The function's placeholder in the ASL files: `${GolfBookTeeTimeFunctionArn}`. */
export const functionPlaceholder = (entry: string) => `${pascalCase(entry)}FunctionArn`;

/** "golf-book-tee-time" → "GolfBookTeeTime": the stack's construct ids and the ASL placeholders. */
export function pascalCase(name: string): string {
  return name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
}

/** The function a scheduled tool's steps run on. */
export const SCHEDULED_FUNCTION = "golf_book_when_open" satisfies FunctionToolName;

/** The rules that ship with the stack, shared by the CDK stack and the local bus, derived from the tools. */
export const EVENT_RULES = {
  /** How a booking, a scheduled booking or a watch ended, pushed to the owner's phone. */
  notifyOnBooking: notifyRuleOf(TOOL_DEFINITIONS),
};
