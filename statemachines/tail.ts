import { BUSINESS_FAILURES } from "../functions/core/policy.ts";
import {
  ALREADY_SETTLED,
  EVENT_BUS,
  NOW,
  PLATFORM,
  RECORD_FAILURE,
  RECORD_RESULT,
  REQUEST_TABLE,
  requestKey,
  retry,
  type State,
  type States,
  WORKING,
  whileWorkingErrors,
} from "./parts.ts";

/** The shared tail of both machines: how a call's outcome is recorded, published and ended. */

const SETTLE_COMMENT =
  'Settle the request record, only if it is still working (a cancelled call stays cancelled), take it off the sparse index of working calls, and store its event with it (the outbox: `outbox` is "pending" until the event is published). Every error but the condition is retried; if the write still fails, the execution ends failed with the outcome as its cause, and the reconciler records it from there.';
const PUBLISH_COMMENT =
  "Publish the outcome stored with the record. An event that cannot be published here stays pending on the record, and the sweeper (locally, the start-up and the periodic sweep) publishes it: delivery is at-least-once, and the detail's eventId is stable.";
const MARK_SENT_COMMENT =
  "The event is out: take the record off the outbox index. If this write fails the event is published again later, with the same eventId.";

/** The settling write: the outcome and its event (the outbox), only while the call is working. */
function settle(options: {
  status: string;
  message: unknown;
  fields: Record<string, unknown>;
  summary: string;
  duration: string;
  notRecorded: string;
  next: string;
}): State {
  const set: [string, string][] = [
    ["status", ":status"],
    ["statusMessage", ":message"],
    ...Object.keys(options.fields).map((name): [string, string] => [name, `:${name}`]),
    ["lastUpdatedAt", ":now"],
    ["outbox", ":pending"],
    ["settledAt", ":now"],
    ["eventSummary", ":summary"],
    ["eventDurationMs", ":duration"],
  ];
  return {
    Type: "Task",
    Comment: SETTLE_COMMENT,
    Resource: "arn:aws:states:::dynamodb:updateItem",
    Parameters: {
      TableName: REQUEST_TABLE,
      Key: requestKey,
      UpdateExpression: `SET ${set.map(([name, value]) => `#${name} = ${value}`).join(", ")} REMOVE #workingSince`,
      ConditionExpression: "#status = :working",
      ExpressionAttributeNames: Object.fromEntries(
        [...set.map(([name]) => name), "workingSince"].map((name) => [`#${name}`, name]),
      ),
      ExpressionAttributeValues: {
        ":status": { S: options.status },
        ":working": WORKING,
        ":message": options.message,
        ...Object.fromEntries(Object.entries(options.fields).map(([name, value]) => [`:${name}`, value])),
        ":now": NOW,
        ":pending": { S: "pending" },
        ":summary": { "S.$": options.summary },
        ":duration": { "S.$": `States.Format('{}', ${options.duration})` },
      },
    },
    ...whileWorkingErrors("$.recordError", options.notRecorded),
    Next: options.next,
  };
}

function publish(
  detailType: string,
  detail: Record<string, unknown>,
  afterwards: string,
  next: string,
): State {
  return {
    Type: "Task",
    Comment: PUBLISH_COMMENT,
    Resource: "arn:aws:states:::events:putEvents",
    Parameters: {
      Entries: [{ EventBusName: EVENT_BUS, Source: "rez-agent-mcp", DetailType: detailType, Detail: detail }],
    },
    ResultPath: null,
    Retry: [retry(PLATFORM.publish.errors, PLATFORM.publish.backoff)],
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.publishError", Next: afterwards }],
    Next: next,
  };
}

function markSent(next: string): State {
  return {
    Type: "Task",
    Comment: MARK_SENT_COMMENT,
    Resource: "arn:aws:states:::dynamodb:updateItem",
    Parameters: {
      TableName: REQUEST_TABLE,
      Key: requestKey,
      UpdateExpression: "REMOVE #outbox",
      ExpressionAttributeNames: { "#outbox": "outbox" },
    },
    ResultPath: null,
    Retry: [retry(PLATFORM.markSent.errors, PLATFORM.markSent.backoff)],
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.markError", Next: next }],
    Next: next,
  };
}

/**
 * Every call ends here: its outcome recorded with its event, the event published, the record taken off the outbox;
 * a business failure ends green, any other red (the ExecutionsFailed alarm).
 */
export const TAIL: States = {
  [RECORD_RESULT]: settle({
    status: "completed",
    message: { S: "The call completed." },
    fields: { result: { "S.$": "$.outcome.resultJson" } },
    summary: "$.outcome.summary",
    duration: "$.outcome.durationMs",
    notRecorded: "Result not recorded",
    next: "Publish completion",
  }),
  "Publish completion": publish(
    "Tool Call Completed",
    {
      "requestId.$": "$.requestId",
      "tool.$": "$.tool",
      status: "completed",
      "durationMs.$": "$.outcome.durationMs",
      "owner.$": "$.owner",
      "golfer.$": "$.golfer",
      "summary.$": "$.outcome.summary",
      "eventId.$": "States.Format('{}:completed', $.requestId)",
    },
    "Done",
    "Mark completion sent",
  ),
  "Mark completion sent": markSent("Done"),
  Done: { Type: "Succeed" },
  [RECORD_FAILURE]: settle({
    status: "failed",
    message: { "S.$": "$.failure.message" },
    fields: { errorType: { "S.$": "$.failure.type" }, error: { "S.$": "$.failure.detailJson" } },
    summary: "States.Format('{} failed', $.tool)",
    duration: "$.failure.durationMs",
    notRecorded: "Failure not recorded",
    next: "Publish failure",
  }),
  "Publish failure": publish(
    "Tool Call Failed",
    {
      "requestId.$": "$.requestId",
      "tool.$": "$.tool",
      status: "failed",
      "durationMs.$": "$.failure.durationMs",
      "owner.$": "$.owner",
      "golfer.$": "$.golfer",
      "summary.$": "States.Format('{} failed', $.tool)",
      error: { "type.$": "$.failure.type", "message.$": "$.failure.message" },
      "eventId.$": "States.Format('{}:failed', $.requestId)",
    },
    "Business failure?",
    "Mark failure sent",
  ),
  "Mark failure sent": markSent("Business failure?"),
  "Business failure?": {
    Type: "Choice",
    Comment:
      "A failure the caller caused or the upstream refused (a taken tee time, a place not found) is recorded and ends green: the ExecutionsFailed alarm is for failures an operator should look at.",
    Choices: [
      {
        Or: BUSINESS_FAILURES.map((name) => ({ Variable: "$.failure.type", StringEquals: name })),
        Next: "Failure recorded",
      },
    ],
    Default: "Failed",
  },
  "Failure recorded": {
    Type: "Succeed",
    Comment: "The record and the event hold the failure; nothing for an operator.",
  },
  Failed: {
    Type: "Fail",
    Comment:
      "Ends red in the console and counts for the ExecutionsFailed alarm; the record and the event say why.",
    ErrorPath: "$.failure.type",
    CausePath: "$.failure.detailJson",
  },
  [ALREADY_SETTLED]: {
    Type: "Succeed",
    Comment: "The record left working before this execution did (cancelled, or settled by the reconciler).",
  },
  "Result not recorded": {
    Type: "Fail",
    Comment:
      "The tool finished but its result could not be recorded: the cause is the result, which the reconciler records.",
    Error: "ResultNotRecorded",
    CausePath: "$.outcome.resultJson",
  },
  "Failure not recorded": {
    Type: "Fail",
    Comment:
      "The tool failed and the failure could not be recorded: the error and cause carry it to the reconciler.",
    ErrorPath: "$.failure.type",
    CausePath: "$.failure.detailJson",
  },
};
