import { golfBookWhenOpenDefinition } from "../functions/tools/golf-book-when-open.ts";
import { golfWatchTeeTimesDefinition } from "../functions/tools/golf-watch-tee-times.ts";
import { functionPlaceholder, SCHEDULED_FUNCTION, TOOL_FUNCTIONS } from "../functions/tools/manifest.ts";
import {
  effectDescriptions,
  failureStates,
  GENERIC_CUT_OFF,
  lambdaTask,
  markStarted,
  RECORD_RESULT,
  whileWorking,
} from "./parts.ts";
import { TAIL } from "./tail.ts";

const COMMENT =
  "golf_book_when_open and golf_watch_tee_times: Standard executions that wait, for free and to the second, then book once. The first waits until the course releases the date, then races for the best matching tee time; the second checks a date until a deadline and books (or reports) the first match. Records, events and failures as in tool-call.asl.json. JSONPath only, so the local runtime runs this same file.";

/** The race's Task: its function (the manifest's 180 s) outlives it, so a cut-off race is the Task's, not Lambda's. */
export const RACE_SECONDS = 150;
/** Every other step only reads. */
const READ_SECONDS = 60;

/** What Plan and Warm up return: the plan. */
const PLAN = Object.fromEntries(
  ["release", "opensAt", "wakeAt", "raceWakeAt", "siteAheadMs", "deadline", "statusMessage"].map((field) => [
    `${field}.$`,
    `$.Payload.${field}`,
  ]),
);

/**
 * statemachines/scheduled-booking.asl.json: a watch (check, record, wait, again) or a plan (plan, record, wait,
 * warm up, wait to the second, race), each ending in the booking's own Mark, race and resolution, then the same
 * failure states and tail as the tool-call machine.
 */
export function scheduledBookingMachine(): object {
  const fn = TOOL_FUNCTIONS.find((f) => f.tool === SCHEDULED_FUNCTION);
  if (!fn) throw new Error(`the manifest has no function for ${SCHEDULED_FUNCTION}`);
  if (fn.seconds <= RACE_SECONDS) throw new Error(`${fn.entry} must outlive the race's ${RACE_SECONDS} s`);
  const placeholder = functionPlaceholder(fn.entry);
  const booking = effectDescriptions("booking", golfBookWhenOpenDefinition, true);
  const read = { placeholder, seconds: READ_SECONDS, cutOff: GENERIC_CUT_OFF };
  return {
    Comment: COMMENT,
    StartAt: "Route",
    States: {
      Route: {
        Type: "Choice",
        Choices: [
          { Variable: "$.resolve", IsPresent: true, Next: "Resolve booking" },
          { Variable: "$.tool", StringEquals: golfWatchTeeTimesDefinition.name, Next: "Start watching" },
        ],
        Default: "Plan",
      },
      "Start watching": {
        Type: "Pass",
        Comment: "No check yet.",
        Result: { Payload: { checks: 0 } },
        ResultPath: "$.checked",
        Next: "Check",
      },
      Check: lambdaTask({
        ...read,
        comment:
          "golf_watch_tee_times: one check (a search). A match ends the watch; none schedules the next check (at once, then every minute, less often after each empty one, never more than 2,000 checks in all, so one execution's history holds any watch); past the deadline it ends with nothing booked. Reading is safe to retry.",
        payload: { phase: "check", "watch.$": "$.checked.Payload" },
        resultSelector: null,
        resultPath: "$.checked",
        next: "Record watch",
      }),
      "Record watch": whileWorking({
        comment:
          "Tell the record how the watch is going (checks so far, the next one), only if the call is still working: a cancelled watch stays cancelled.",
        update:
          "SET #statusMessage = :message, #plannedAt = if_not_exists(#plannedAt, :now), #lastUpdatedAt = :now, #watchChecks = :checks, #nextCheckAt = :next",
        names: {
          "#statusMessage": "statusMessage",
          "#plannedAt": "plannedAt",
          "#lastUpdatedAt": "lastUpdatedAt",
          "#watchChecks": "watchChecks",
          "#nextCheckAt": "nextCheckAt",
        },
        values: {
          ":message": { "S.$": "$.checked.Payload.statusMessage" },
          // A number's JSON text is the number, with no backslash for the local runner to strip.
          ":checks": { "N.$": "States.JsonToString($.checked.Payload.checks)" },
          ":next": { "S.$": "$.checked.Payload.nextAt" },
        },
        next: "Found?",
      }),
      "Found?": {
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: "$.checked.Payload.found", BooleanEquals: true },
              { Variable: "$.checked.Payload.book", BooleanEquals: true },
            ],
            Next: "Book the match",
          },
          { Variable: "$.checked.Payload.found", BooleanEquals: true, Next: "Report the match" },
        ],
        Default: "Wait for the next check",
      },
      "Book the match": {
        Type: "Pass",
        Comment: "The race books the match at once, within the watch's deadline.",
        InputPath: "$.checked.Payload.plan",
        ResultPath: "$.plan",
        Next: "Mark booking started",
      },
      "Report the match": {
        Type: "Pass",
        Comment: "book: false: the found tee times are the result.",
        Parameters: {
          "resultJson.$": "$.checked.Payload.outcome.resultJson",
          "summary.$": "$.checked.Payload.outcome.summary",
          "durationMs.$": "$.checked.Payload.outcome.durationMs",
        },
        ResultPath: "$.outcome",
        Next: RECORD_RESULT,
      },
      "Wait for the next check": { Type: "Wait", TimestampPath: "$.checked.Payload.nextAt", Next: "Check" },
      Plan: lambdaTask({
        ...read,
        comment:
          "Read the course's booking rules from the site (for the golfer's member class) and work out when the date opens: the plan. Reading is safe to retry.",
        payload: { phase: "plan" },
        resultSelector: PLAN,
        resultPath: "$.plan",
        next: "Record plan",
      }),
      "Record plan": whileWorking({
        comment:
          "Tell the record the plan (the release instant, the window, the preference), only if the call is still working: a call cancelled before its release stays cancelled and books nothing.",
        update:
          "SET #statusMessage = :message, #plannedAt = :now, #lastUpdatedAt = :now, #releaseAt = :releaseAt",
        names: {
          "#statusMessage": "statusMessage",
          "#plannedAt": "plannedAt",
          "#lastUpdatedAt": "lastUpdatedAt",
          "#releaseAt": "releaseAt",
        },
        values: { ":message": { "S.$": "$.plan.statusMessage" }, ":releaseAt": { "S.$": "$.plan.opensAt" } },
        next: "Wait for the warm-up",
      }),
      "Wait for the warm-up": {
        Type: "Wait",
        Comment: "Until shortly before the release (an absolute instant: a restart resumes the same wait).",
        TimestampPath: "$.plan.wakeAt",
        Next: "Warm up",
      },
      "Warm up": lambdaTask({
        ...read,
        comment:
          "Sign in afresh, read the rules again and confirm the date and the window, so the race starts with a live session and the right instant. Advisory: if it fails (a busy site a minute before its release), the race goes on with the original plan; it signs in and retries on its own.",
        payload: { phase: "warmup", "plan.$": "$.plan" },
        resultSelector: PLAN,
        resultPath: "$.plan",
        cutOff: { advisory: "Wait for the release", resultPath: "$.warmUpError" },
        next: "Wait for the release",
      }),
      "Wait for the release": {
        Type: "Wait",
        Comment:
          "Wakes the race a few seconds before the release (by the site clock): the race function waits in-process for the instant, so the Wait state's and the invoke's jitter are off the path from the release to the reservation.",
        TimestampPath: "$.plan.raceWakeAt",
        Next: "Mark booking started",
      },
      "Mark booking started": markStarted(
        "Note on the record that the race is about to start, only if the call is still working: a cancel before this (during the wait) stops the call cleanly and nothing is booked; one after it cannot undo a booking, and the record says so.",
        "Race",
      ),
      Race: lambdaTask({
        comment:
          "The race: search, hold (LockTeeTimes), price and reserve the best matching tee time, the site's 'not open yet' answer retried, the preference list walked when a hold is lost, until a bounded deadline. The function is idempotent per request id with a booking journal, so it books at most once whatever is retried; a race cut off without an answer is resolved by asking the site, never run again.",
        placeholder,
        payload: { phase: "race", "plan.$": "$.plan" },
        seconds: RACE_SECONDS,
        attempts: 2,
        idempotent: true,
        cutOff: {
          timeout: "Resolve booking",
          crash: "Resolve booking",
          inProgress: booking.cutOff.inProgress,
        },
        next: RECORD_RESULT,
      }),
      "Resolve booking": lambdaTask({
        comment:
          "A race cut off without an answer (after a crash the local runtime starts here): ask the site what became of it, with the journal the race kept. Books nothing; reading is safe to retry.",
        placeholder,
        payload: { resolve: true },
        seconds: READ_SECONDS,
        cutOff: booking.cutOff,
        next: RECORD_RESULT,
      }),
      ...failureStates(booking.states),
      ...TAIL,
    },
  };
}
