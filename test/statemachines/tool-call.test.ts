import { readFileSync } from "node:fs";
import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { TOOL_MANIFEST, type ToolEntry } from "../../functions/tools/manifest.ts";
import { LOCAL_SUBSTITUTIONS } from "../../local/resources.ts";
import { substitute, TOOL_CALL_ASL } from "../../local/workflow.ts";

/** Executions of statemachines/tool-call.asl.json in aws-local-stepfunctions; its structure: structure.test.ts. */

const RAW = readFileSync(TOOL_CALL_ASL, "utf8");
type State = Record<string, unknown> & { Type: string };
type Definition = { States: Record<string, State>; StartAt: string };
const definition = () => JSON.parse(substitute(RAW, LOCAL_SUBSTITUTIONS)) as Definition;

/** An error shaped as Step Functions reports a Lambda function's failure. */
function lambdaError(type: string, message: string, upstreamStatus: number | null = null) {
  const error = new Error(
    JSON.stringify({
      errorType: type,
      errorMessage: JSON.stringify({ message, upstreamStatus, durationMs: 42 }),
    }),
  );
  error.name = type;
  return error;
}

interface Run {
  /** "succeeded", or the error the execution failed with. */
  outcome: "succeeded" | string;
  /** The failed execution's cause. */
  cause?: string;
  calls: Record<string, unknown[]>;
}

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

/** Each tool's Task state, from the manifest. */
const TASKS: Record<string, string> = Object.fromEntries(
  (TOOL_MANIFEST as readonly ToolEntry[]).flatMap((entry) =>
    entry.step ? [[entry.definition.name, entry.step.state]] : [],
  ),
);

async function run(
  tool: unknown,
  handlers: {
    record?: (input: unknown) => unknown;
    mark?: (input: unknown) => unknown;
    resolve?: (input: unknown) => unknown;
    name?: string;
  } = {},
  tweak?: (d: Definition) => void,
): Promise<Run> {
  const name = handlers.name ?? "get_weather";
  const taskState = TASKS[name] as string;
  const d = definition();
  tweak?.(d);
  const calls: Record<string, unknown[]> = {};
  const recorder =
    (name: string, answer: (input: unknown) => unknown) =>
    async (input: unknown): Promise<never> => {
      const list = calls[name] ?? [];
      list.push(input);
      calls[name] = list;
      return (await answer(input)) as never;
    };
  const machine = new StateMachine(d as never);
  const execution = machine.run(
    {
      requestId: "r-1",
      tool: name,
      arguments: { location: "x" },
      owner: "key-1",
      golfer: "alice",
      startedAt: 1,
    },
    {
      overrides: {
        taskResourceLocalHandlers: {
          [taskState]: recorder("tool", tool as (input: unknown) => unknown),
          "Mark booking started": recorder("mark", handlers.mark ?? (() => ({}))),
          "Resolve booking": recorder(
            "resolve",
            handlers.resolve ??
              (() => {
                throw lambdaError("BookingIncomplete", "may or may not be booked: the site was not asked");
              }),
          ),
          "Mark push started": recorder("mark", handlers.mark ?? (() => ({}))),
          "Record result": recorder("record", handlers.record ?? (() => ({}))),
          "Record failure": recorder("record", handlers.record ?? (() => ({}))),
          "Publish completion": recorder("publish", () => ({ FailedEntryCount: 0 })),
          "Publish failure": recorder("publish", () => ({ FailedEntryCount: 0 })),
          "Mark completion sent": recorder("sent", () => ({})),
          "Mark failure sent": recorder("sent", () => ({})),
        },
        retryIntervalOverrides: {
          [taskState]: 0,
          "Mark booking started": 0,
          "Mark push started": 0,
          "Resolve booking": 0,
          "Record result": 0,
          "Record failure": 0,
          "Publish completion": 0,
          "Publish failure": 0,
          "Mark completion sent": 0,
          "Mark failure sent": 0,
        },
      },
      context: {
        Execution: { Id: "arn:local:execution:r-1", Name: "r-1" },
        State: { EnteredTime: "2026-01-01T00:00:00.000Z" },
      } as never,
    },
  );
  try {
    await execution.result;
    return { outcome: "succeeded", calls };
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    return { outcome: cause?.name ?? "unknown", cause: cause?.message, calls };
  }
}

type UpdateInput = { ExpressionAttributeValues: Record<string, { S: string }> };
type PublishInput = { Entries: { DetailType: string; Detail: Record<string, unknown> }[] };

describe("a tool-call execution", () => {
  it("records a result as completed and publishes Tool Call Completed", async () => {
    // Quotes, newlines and backslashes must arrive intact (the local runner's JsonToString would strip them).
    const result = { content: [{ type: "text", text: 'Weather for "Sample":\nSunny \\ dry' }] };
    const { outcome, calls } = await run(() => ({
      Payload: { resultJson: JSON.stringify(result), summary: "1 period", durationMs: 7 },
    }));
    expect(outcome).toBe("succeeded");
    const update = (calls.record ?? [])[0] as UpdateInput;
    expect(update.ExpressionAttributeValues[":status"]).toEqual({ S: "completed" });
    // The event is stored with the result (the outbox), and taken out only once it is published.
    expect(update.ExpressionAttributeValues[":pending"]).toEqual({ S: "pending" });
    expect(update.ExpressionAttributeValues[":summary"]).toEqual({ S: "1 period" });
    expect(calls.sent).toHaveLength(1);
    expect(JSON.parse(update.ExpressionAttributeValues[":result"]?.S ?? "")).toEqual(result);
    const entry = ((calls.publish ?? [])[0] as PublishInput).Entries[0];
    expect(entry?.DetailType).toBe("Tool Call Completed");
    expect(entry?.Detail).toEqual({
      eventId: "r-1:completed",
      requestId: "r-1",
      tool: "get_weather",
      status: "completed",
      durationMs: 7,
      owner: "key-1",
      golfer: "alice",
      summary: "1 period",
    });
  });

  it("records a permanent tool error without retrying, and ends green: a refusal is no operator's business", async () => {
    // Quotes and backslashes in the message must survive the trip.
    const message = 'The NWS refused the request (HTTP 400): "bad \\ point".';
    const { outcome, calls } = await run(() => {
      throw lambdaError("UpstreamRejected", message, 400);
    });
    expect(outcome).toBe("succeeded");
    expect(calls.tool).toHaveLength(1);
    const update = (calls.record ?? [])[0] as UpdateInput;
    expect(update.ExpressionAttributeValues[":status"]).toEqual({ S: "failed" });
    expect(update.ExpressionAttributeValues[":message"]?.S).toBe(message);
    expect(update.ExpressionAttributeValues[":errorType"]?.S).toBe("UpstreamRejected");
    expect(JSON.parse(update.ExpressionAttributeValues[":error"]?.S ?? "")).toEqual({
      message,
      upstreamStatus: 400,
      durationMs: 42,
    });
    const entry = ((calls.publish ?? [])[0] as PublishInput).Entries[0];
    expect(entry?.DetailType).toBe("Tool Call Failed");
    expect(entry?.Detail.error).toEqual({ type: "UpstreamRejected", message });
    expect(entry?.Detail.durationMs).toBe(42);
  });

  it("retries a transient upstream failure three times before recording it", async () => {
    const { outcome, calls } = await run(() => {
      throw lambdaError("UpstreamUnavailable", "down", 503);
    });
    expect(outcome).toBe("UpstreamUnavailable");
    expect(calls.tool).toHaveLength(4);
  });

  it("completes after a transient failure that clears on retry", async () => {
    let attempts = 0;
    const { outcome, calls } = await run(() => {
      attempts += 1;
      if (attempts < 3) throw lambdaError("UpstreamUnavailable", "down", 503);
      return { Payload: { resultJson: '{"content":[]}', summary: "ok", durationMs: 1 } };
    });
    expect(outcome).toBe("succeeded");
    expect(calls.tool).toHaveLength(3);
  });

  it("records a tool that runs past its timeout as failed", async () => {
    const { outcome, calls } = await run(
      () => new Promise(() => {}),
      {},
      (d) => {
        (d.States["Get weather"] as State).TimeoutSeconds = 1;
      },
    );
    expect(outcome).toBe("States.Timeout");
    const update = (calls.record ?? [])[0] as UpdateInput;
    expect(update.ExpressionAttributeValues[":message"]?.S).toMatch(/did not finish in time/);
    expect(update.ExpressionAttributeValues[":errorType"]?.S).toBe("States.Timeout");
    expect(JSON.parse(update.ExpressionAttributeValues[":error"]?.S ?? "").durationMs).toBeNull();
  });

  it("ends failed with the result as its cause when the result cannot be recorded, so the reconciler can", async () => {
    const resultJson = '{"content":[{"type":"text","text":"Sunny"}]}';
    const { outcome, cause, calls } = await run(
      () => ({ Payload: { resultJson, summary: "", durationMs: 1 } }),
      {
        record: () => {
          throw named("DynamoDB.AmazonDynamoDBException", "unexpected");
        },
      },
    );
    expect(outcome).toBe("ResultNotRecorded");
    expect(cause).toBe(resultJson);
    expect(calls.record).toHaveLength(7);
    expect(calls.publish).toBeUndefined();
  });

  it("stops quietly when the record was already settled (a cancelled call stays cancelled)", async () => {
    const conditional = () => {
      const error = new Error("The conditional request failed");
      error.name = "DynamoDB.ConditionalCheckFailedException";
      throw error;
    };
    const { outcome, calls } = await run(
      () => ({ Payload: { resultJson: '{"content":[]}', summary: "", durationMs: 1 } }),
      {
        record: conditional,
      },
    );
    expect(outcome).toBe("succeeded");
    expect(calls.publish).toBeUndefined();
  });

  it("hides a crash's details behind a generic sentence", async () => {
    const { outcome, calls } = await run(() => {
      throw new Error(
        "TypeError: cannot read properties of undefined (reading 'x') at /var/task/index.js:1:2",
      );
    });
    expect(outcome).toBe("Error");
    const update = (calls.record ?? [])[0] as UpdateInput;
    expect(update.ExpressionAttributeValues[":message"]?.S).toBe(
      "The tool could not be run. The operator can find the details in the execution history.",
    );
  });
});

describe("a golf_book_tee_time execution", () => {
  const booking = { name: "golf_book_tee_time" };

  it.each([
    ["BookingIncomplete", 1, "BookingIncomplete"],
    ["UpstreamRejected", 1, "succeeded"],
    ["ValidationFailed", 1, "succeeded"],
    ["UpstreamUnavailable", 3, "UpstreamUnavailable"],
  ])("runs the booking for a %s %i time(s) before recording it, and ends %s", async (type, attempts, end) => {
    const { outcome, calls } = await run(() => {
      throw lambdaError(type, "it failed", 500);
    }, booking);
    expect(outcome).toBe(end);
    expect(calls.tool).toHaveLength(attempts);
    const update = (calls.record ?? [])[0] as UpdateInput;
    expect(update.ExpressionAttributeValues[":errorType"]?.S).toBe(type);
  });

  it("waits out a run of the same request still in progress, then says the outcome is unknown", async () => {
    const { outcome, calls } = await run(() => {
      const error = new Error("There is already an execution in progress with idempotency key: x");
      error.name = "IdempotencyAlreadyInProgressError";
      throw error;
    }, booking);
    expect(outcome).toBe("IdempotencyAlreadyInProgressError");
    expect(calls.tool).toHaveLength(4);
    const update = (calls.record ?? [])[0] as UpdateInput;
    expect(update.ExpressionAttributeValues[":message"]?.S).toMatch(
      /may or may not be booked\. Check with golf_get_reservations/,
    );
  });

  it("never books a call cancelled before the booking step: the mark finds it no longer working", async () => {
    const { outcome, calls } = await run(
      () => ({ Payload: { resultJson: '{"content":[]}', summary: "", durationMs: 1 } }),
      {
        ...booking,
        mark: () => {
          throw named("DynamoDB.ConditionalCheckFailedException");
        },
      },
    );
    expect(outcome).toBe("succeeded");
    expect(calls.mark).toHaveLength(1);
    expect(calls.tool).toBeUndefined();
    expect(calls.record).toBeUndefined();
  });

  it("marks the booking as started before the booking step, only while the call is working", async () => {
    const { calls } = await run(
      () => ({ Payload: { resultJson: '{"content":[]}', summary: "", durationMs: 1 } }),
      booking,
    );
    expect(calls.mark).toHaveLength(1);
    expect(calls.tool).toHaveLength(1);
  });

  it("asks the site what became of a booking step that crashed, and records what it says", async () => {
    const resultJson =
      '{"content":[{"type":"text","text":"Booked 09:00 (the site confirms this reservation)"}]}';
    const { calls, outcome } = await run(
      () => {
        throw named("Lambda.Unknown", "out of memory");
      },
      { ...booking, resolve: () => ({ Payload: { resultJson, summary: "Booked", durationMs: 9 } }) },
    );
    expect(outcome).toBe("succeeded");
    expect(calls.tool).toHaveLength(1);
    expect(calls.resolve?.[0]).toMatchObject({ Payload: { resolve: true } });
    const update = (calls.record ?? [])[0] as UpdateInput;
    expect(update.ExpressionAttributeValues[":status"]).toEqual({ S: "completed" });
    expect(update.ExpressionAttributeValues[":result"]).toEqual({ S: resultJson });
  });

  it("records a booking step that crashed as possibly booked when the site cannot be asked either", async () => {
    const { calls } = await run(
      () => {
        throw named("Lambda.Unknown", "out of memory");
      },
      {
        ...booking,
        resolve: () => {
          throw named("Lambda.Unknown", "out of memory again");
        },
      },
    );
    const update = (calls.record ?? [])[0] as UpdateInput;
    expect(update.ExpressionAttributeValues[":message"]?.S).toMatch(/may or may not be booked/);
  });

  it("asks the site about a booking that timed out, and records its answer when it cannot tell", async () => {
    const { calls } = await run(
      () => new Promise(() => {}),
      booking,
      (d) => {
        (d.States["Book tee time"] as State).TimeoutSeconds = 1;
      },
    );
    expect(calls.tool).toHaveLength(1);
    expect(calls.resolve).toHaveLength(1);
    const update = (calls.record ?? [])[0] as UpdateInput;
    expect(update.ExpressionAttributeValues[":errorType"]?.S).toBe("BookingIncomplete");
    expect(update.ExpressionAttributeValues[":message"]?.S).toMatch(/may or may not be booked/);
  });

  it.each(["send_push_notification", "golf_search_tee_times", "golf_get_reservations"])(
    "routes %s to its Task and records its result",
    async (name) => {
      const { outcome, calls } = await run(
        () => ({ Payload: { resultJson: '{"content":[]}', summary: "ok", durationMs: 3 } }),
        { name },
      );
      expect(outcome).toBe("succeeded");
      expect(calls.tool).toHaveLength(1);
      const entry = ((calls.publish ?? [])[0] as PublishInput).Entries[0];
      expect(entry?.Detail).toMatchObject({ tool: name, status: "completed", summary: "ok" });
    },
  );
});
