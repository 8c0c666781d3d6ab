import { type Backoff, TOOL_FAILURE_NAMES, TOOL_FAILURES } from "../functions/core/policy.ts";
import type { ToolDefinition } from "../functions/core/tool.ts";

/**
 * The pieces both state machines are made of, each written once: a tool function's Task with its Retry and Catch
 * from the policy, the conditional record writes, the sentences recorded when a step ends without an answer, and
 * the shared tail that records, publishes and ends every call.
 */

export type State = Record<string, unknown>;
export type States = Record<string, State>;

/** Platform failures and how they are retried; each is safe to retry where it is used. */
export const PLATFORM = {
  /** Lambda's own throttles and service errors: the function did not run, or an idempotent one replays. */
  lambdaService: {
    errors: [
      "Lambda.ServiceException",
      "Lambda.AWSLambdaException",
      "Lambda.SdkClientException",
      "Lambda.TooManyRequestsException",
    ],
    backoff: { IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 4 },
  },
  /** An idempotent function's earlier run of the same request is still going: waited out. */
  inProgress: {
    errors: ["IdempotencyAlreadyInProgressError"],
    backoff: { IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 3 },
  },
  /** A conditional write to the request record: every error but the condition. */
  recordWrite: {
    errors: ["States.ALL"],
    backoff: { IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 6, MaxDelaySeconds: 10 },
  },
  /** Publishing an event; one not published stays in the outbox for the sweeper. */
  publish: { errors: ["States.TaskFailed"], backoff: { IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 4 } },
  /** Taking a record off the outbox; a failure only means the event is published again later. */
  markSent: { errors: ["States.ALL"], backoff: { IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 } },
} as const satisfies Record<string, { errors: readonly string[]; backoff: Backoff }>;

export const CONDITION_FAILED = "DynamoDB.ConditionalCheckFailedException";
const IN_PROGRESS = PLATFORM.inProgress.errors[0];

export const retry = (errors: readonly string[], backoff: Backoff) => ({
  ErrorEquals: [...errors],
  ...backoff,
  JitterStrategy: "FULL",
});

/** The ASL placeholders of the resources every machine uses, filled at deployment. */
const placeholder = (name: string) => `\${${name}}`;
export const REQUEST_TABLE = placeholder("RequestTableName");
export const EVENT_BUS = placeholder("EventBusName");

export const ALREADY_SETTLED = "Already settled";
export const RECORD_RESULT = "Record result";
export const RECORD_FAILURE = "Record failure";
export const PARSE_ERROR = "Parse Lambda error";
export const START_FAILURE = "Describe start failure";

/** A sentence recorded when a step ended without an answer: the failure's class is the error Step Functions saw. */
export function describe(message: string, type: { literal: string } | "caught" = "caught"): State {
  return {
    Type: "Pass",
    Parameters: {
      ...(type === "caught" ? { "type.$": "$.error.Error" } : { type: type.literal }),
      message,
      // The failure's detail as the tool itself writes it (tool-invocation.ts's FailureMessage).
      detailJson: JSON.stringify({ message, upstreamStatus: null, durationMs: null }),
      durationMs: null,
    },
    ResultPath: "$.failure",
    Next: RECORD_FAILURE,
  };
}

/** What a step's end without an answer means, and the state that records it. */
export interface CutOff {
  timeout: string;
  crash: string;
  /** Where IdempotencyAlreadyInProgressError goes, when the function is idempotent (its default: `crash`). */
  inProgress?: string;
}

export const GENERIC_CUT_OFF = { timeout: "Describe timeout", crash: "Describe runtime failure" } as const;

/** The generic sentences: a read-only step changes nothing. */
export const GENERIC_DESCRIPTIONS: States = {
  [GENERIC_CUT_OFF.timeout]: describe("The tool did not finish in time. Try again later."),
  [GENERIC_CUT_OFF.crash]: describe(
    "The tool could not be run. The operator can find the details in the execution history.",
  ),
};

/**
 * A side effect's sentences, from its definition's `effect`: what is true when its step ends without an answer,
 * and what to check before trying again. `inProgress` for a step whose cut-off is resolved by asking the upstream.
 */
export function effectDescriptions(
  noun: string,
  definition: ToolDefinition,
  withInProgress: boolean,
): { cutOff: Required<CutOff>; states: States } {
  const effect = definition.effect;
  if (!effect) throw new Error(`${definition.name} names a side effect's noun but has no effect`);
  const so = `so ${effect.unknown}. ${effect.check}`;
  const cutOff = {
    timeout: `Describe ${noun} timeout`,
    inProgress: withInProgress ? `Describe ${noun} in progress` : `Describe ${noun} runtime failure`,
    crash: `Describe ${noun} runtime failure`,
  };
  const states: States = {
    [cutOff.timeout]: describe(`The ${noun} step did not finish in time, ${so}`),
    ...(withInProgress
      ? {
          [cutOff.inProgress]: describe(
            `An earlier attempt at this ${noun} is still running or stopped without an outcome, ${so}`,
          ),
        }
      : {}),
    [cutOff.crash]: describe(`The ${noun} step stopped without an answer, ${so}`),
  };
  return { cutOff, states };
}

export interface LambdaTaskOptions {
  comment: string;
  placeholder: string;
  /** Extra payload fields beside the call's own (a phase, a plan); none passes the input as it is. */
  payload?: Record<string, unknown>;
  resultSelector?: Record<string, string> | null;
  resultPath?: string;
  seconds: number;
  /** Attempts at a retried tool failure, when fewer than the policy's. */
  attempts?: number;
  /** The function is idempotent per request id: a run in progress is waited out. */
  idempotent?: boolean;
  /** Where each kind of end without an answer goes; `null`: the step is advisory and every failure moves on. */
  cutOff: CutOff | { advisory: string; resultPath: string };
  next: string;
}

/** A tool outcome, as the Task keeps it. */
export const OUTCOME = {
  "resultJson.$": "$.Payload.resultJson",
  "summary.$": "$.Payload.summary",
  "durationMs.$": "$.Payload.durationMs",
};

/** The call's own fields, as every Task invocation carries them. */
const CALL_FIELDS = {
  "requestId.$": "$.requestId",
  "tool.$": "$.tool",
  "arguments.$": "$.arguments",
  "owner.$": "$.owner",
  "golfer.$": "$.golfer",
  "startedAt.$": "$.startedAt",
};

/** A tool function's Task: Retry and Catch from the policy; typed failures parsed, the rest described. */
export function lambdaTask(options: LambdaTaskOptions): State {
  const retried = TOOL_FAILURE_NAMES.flatMap((name) => {
    const policy = TOOL_FAILURES[name] as { retry?: Backoff };
    if (!policy.retry) return [];
    const backoff = options.attempts ? { ...policy.retry, MaxAttempts: options.attempts } : policy.retry;
    return [retry([name], backoff)];
  });
  const cutOff = options.cutOff;
  const Catch =
    "advisory" in cutOff
      ? [{ ErrorEquals: ["States.ALL"], ResultPath: cutOff.resultPath, Next: cutOff.advisory }]
      : [
          { ErrorEquals: [...TOOL_FAILURE_NAMES], ResultPath: "$.error", Next: PARSE_ERROR },
          { ErrorEquals: ["States.Timeout"], ResultPath: "$.error", Next: cutOff.timeout },
          ...(options.idempotent
            ? [{ ErrorEquals: [IN_PROGRESS], ResultPath: "$.error", Next: cutOff.inProgress ?? cutOff.crash }]
            : []),
          { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: cutOff.crash },
        ];
  return {
    Type: "Task",
    Comment: options.comment,
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: {
      FunctionName: placeholder(options.placeholder),
      ...(options.payload ? { Payload: { ...CALL_FIELDS, ...options.payload } } : { "Payload.$": "$" }),
    },
    ...(options.resultSelector === null ? {} : { ResultSelector: options.resultSelector ?? OUTCOME }),
    ResultPath: options.resultPath ?? "$.outcome",
    TimeoutSeconds: options.seconds,
    Retry: [
      ...retried,
      ...(options.idempotent ? [retry(PLATFORM.inProgress.errors, PLATFORM.inProgress.backoff)] : []),
      retry(PLATFORM.lambdaService.errors, PLATFORM.lambdaService.backoff),
    ],
    Catch,
    Next: options.next,
  };
}

export const requestKey = { id: { "S.$": "$.requestId" } };

/**
 * A conditional write's Retry and Catch: the condition (the call is no longer working) is final and ends the
 * execution quietly; anything else is retried, then goes where the write's failure is described.
 */
export function whileWorkingErrors(errorPath: string, failed: string) {
  return {
    ResultPath: null,
    Retry: [
      { ErrorEquals: [CONDITION_FAILED], MaxAttempts: 0 },
      retry(PLATFORM.recordWrite.errors, PLATFORM.recordWrite.backoff),
    ],
    Catch: [
      { ErrorEquals: [CONDITION_FAILED], ResultPath: null, Next: ALREADY_SETTLED },
      { ErrorEquals: ["States.ALL"], ResultPath: errorPath, Next: failed },
    ],
  };
}
export const NOW = { "S.$": "$$.State.EnteredTime" };
export const WORKING = { S: "working" };

/**
 * A write to the call's record only while it is still working: a cancelled call stays cancelled, and the step
 * after it never runs. Any other error is retried, then described as a start failure (nothing was run).
 */
export function whileWorking(options: {
  comment: string;
  update: string;
  names: Record<string, string>;
  values?: Record<string, unknown>;
  next: string;
}): State {
  return {
    Type: "Task",
    Comment: options.comment,
    Resource: "arn:aws:states:::dynamodb:updateItem",
    Parameters: {
      TableName: REQUEST_TABLE,
      Key: requestKey,
      UpdateExpression: options.update,
      ConditionExpression: "#status = :working",
      ExpressionAttributeNames: { "#status": "status", ...options.names },
      ExpressionAttributeValues: { ":working": WORKING, ...options.values, ":now": NOW },
    },
    ...whileWorkingErrors("$.error", START_FAILURE),
    Next: options.next,
  };
}

/** "Mark … started": the write a cancel races; whichever lands first decides (docs/architecture.md). */
export function markStarted(comment: string, next: string): State {
  return whileWorking({
    comment,
    update: "SET #toolStartedAt = :now",
    names: { "#toolStartedAt": "toolStartedAt" },
    next,
  });
}

/** A tool failure's Cause is the Lambda error JSON; its errorMessage is the tool's FailureMessage JSON. */
const PARSE_STATES: States = {
  [PARSE_ERROR]: {
    Type: "Pass",
    Comment:
      "A tool error's Cause is the Lambda error JSON; its errorMessage is the tool's FailureMessage JSON, stored as it is. The trace is dropped here.",
    Parameters: { "type.$": "$.error.Error", "lambda.$": "States.StringToJson($.error.Cause)" },
    ResultPath: "$.failure",
    Next: "Parse tool failure",
  },
  "Parse tool failure": {
    Type: "Pass",
    Parameters: {
      "type.$": "$.failure.type",
      "lambda.$": "$.failure.lambda",
      "detail.$": "States.StringToJson($.failure.lambda.errorMessage)",
    },
    ResultPath: "$.failure",
    Next: "Shape tool failure",
  },
  "Shape tool failure": {
    Type: "Pass",
    Parameters: {
      "type.$": "$.failure.type",
      "message.$": "$.failure.detail.message",
      "detailJson.$": "$.failure.lambda.errorMessage",
      "durationMs.$": "$.failure.detail.durationMs",
    },
    ResultPath: "$.failure",
    Next: RECORD_FAILURE,
  },
};

/** How a tool failure becomes the recorded one, then the sentences shared by every step. */
export function failureStates(sideEffects: States): States {
  return {
    ...PARSE_STATES,
    ...GENERIC_DESCRIPTIONS,
    ...sideEffects,
    [START_FAILURE]: describe(
      "The request table could not be updated before the tool ran, so the tool was not run and nothing was done. Try again in a moment.",
    ),
  };
}
