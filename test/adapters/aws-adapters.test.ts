import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import {
  DescribeExecutionCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { EventBridgePublisher } from "../../functions/adapters/eventbridge-publisher.ts";
import { SecretsManagerSecrets } from "../../functions/adapters/secrets-manager.ts";
import { StepFunctionsStarter } from "../../functions/adapters/step-functions-starter.ts";
import { StartRefused, StartUnconfirmed } from "../../functions/core/ports.ts";

/** The AWS adapters against recording fakes of their SDK clients: the commands they send and the errors they absorb. */

function recorder(answer: (command: unknown) => unknown = () => ({})) {
  const sent: unknown[] = [];
  return {
    sent,
    client: {
      send: async (command: unknown) => {
        sent.push(command);
        return answer(command) as never;
      },
    },
  };
}

const named = (name: string) => Object.assign(new Error(name), { name });
const ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:ToolCall-abc";
const EXPRESS_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:ToolCallExpress-abc";
const input = {
  requestId: "r-1",
  tool: "get_weather",
  arguments: {},
  owner: "k",
  golfer: "default",
  startedAt: 1,
};

describe("StepFunctionsStarter", () => {
  const SDK = {
    StartExecutionCommand,
    StartSyncExecutionCommand,
    StopExecutionCommand,
    DescribeExecutionCommand,
  };
  const starterOver = (client: ReturnType<typeof recorder>["client"]) =>
    new StepFunctionsStarter(
      { standard: ARN, express: EXPRESS_ARN, scheduled: `${ARN}-scheduled` },
      async () => ({ sdk: SDK, client }),
    );

  it("names the execution after the request, and knows its ARN and console page before starting it", async () => {
    const { sent, client } = recorder();
    let connects = 0;
    const starter = new StepFunctionsStarter(
      { standard: ARN, express: EXPRESS_ARN, scheduled: `${ARN}-scheduled` },
      async () => {
        connects += 1;
        return { sdk: SDK, client };
      },
    );
    expect(starter.executionId("r-1", "standard")).toBe(
      "arn:aws:states:eu-west-1:123456789012:execution:ToolCall-abc:r-1",
    );
    expect(starter.executionUrl(starter.executionId("r-1", "standard"))).toContain(
      "eu-west-1.console.aws.amazon.com/states",
    );
    expect(connects).toBe(0);
    expect(await starter.start(input, "standard")).toBe("started");
    await starter.stop(starter.executionId("r-1", "standard"), "cancelled");
    expect(connects).toBe(1);
    expect((sent[0] as StartExecutionCommand).input).toEqual({
      stateMachineArn: ARN,
      name: "r-1",
      input: JSON.stringify(input),
    });
    expect((sent[1] as StopExecutionCommand).input.executionArn).toMatch(/:execution:ToolCall-abc:r-1$/);
  });

  it("runs a read-only call on the express state machine and returns how it ended", async () => {
    const { sent, client } = recorder(() => ({ status: "FAILED", error: "States.Runtime", cause: "x" }));
    expect(await starterOver(client).run(input)).toEqual({
      status: "FAILED",
      error: "States.Runtime",
      cause: "x",
    });
    expect((sent[0] as StartSyncExecutionCommand).input.stateMachineArn).toBe(EXPRESS_ARN);
  });

  it("reports an existing execution name as existing, and a stop of an unknown one as done", async () => {
    const { client } = recorder((command) => {
      throw named(
        command instanceof StartExecutionCommand ? "ExecutionAlreadyExists" : "ExecutionDoesNotExist",
      );
    });
    const starter = starterOver(client);
    expect(await starter.start(input, "standard")).toBe("exists");
    await expect(starter.stop("arn:x:execution:y:r", "c")).resolves.toBeUndefined();
    expect(await starter.describe("arn:x:execution:y:r")).toEqual({ status: "NOT_FOUND" });
  });

  it("tells a refused start (a 4xx: nothing runs) from an unconfirmed one (no answer, a 5xx: it may run)", async () => {
    const refusing = recorder(() => {
      throw Object.assign(named("ThrottlingException"), {
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      });
    });
    await expect(starterOver(refusing.client).start(input, "standard")).rejects.toBeInstanceOf(StartRefused);
    for (const error of [
      Object.assign(named("InternalServerError"), { $fault: "server", $metadata: { httpStatusCode: 500 } }),
      Object.assign(named("TimeoutError"), { $metadata: {} }),
      named("ECONNRESET"),
    ]) {
      const silent = recorder(() => {
        throw error;
      });
      await expect(starterOver(silent.client).start(input, "standard")).rejects.toBeInstanceOf(
        StartUnconfirmed,
      );
    }
  });
});

describe("EventBridgePublisher", () => {
  const event = {
    source: "rez-agent-mcp" as const,
    detailType: "Tool Call Cancelled" as const,
    detail: {
      eventId: "r-1:cancelled",
      requestId: "r-1",
      tool: "get_weather",
      status: "cancelled" as const,
      owner: "k",
      summary: "s",
    },
  };

  it("puts the event on the bus with its detail as JSON", async () => {
    const { sent, client } = recorder(() => ({ FailedEntryCount: 0 }));
    await new EventBridgePublisher("bus-1", async () => ({ sdk: { PutEventsCommand }, client })).publish(
      event,
    );
    expect((sent[0] as PutEventsCommand).input.Entries).toEqual([
      {
        EventBusName: "bus-1",
        Source: "rez-agent-mcp",
        DetailType: "Tool Call Cancelled",
        Detail: JSON.stringify(event.detail),
      },
    ]);
  });

  it("fails when EventBridge refuses the entry", async () => {
    const { client } = recorder(() => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: "InternalFailure" }] }));
    const publisher = new EventBridgePublisher("bus-1", async () => ({ sdk: { PutEventsCommand }, client }));
    await expect(publisher.publish(event)).rejects.toThrow(/refused the event: InternalFailure/);
  });
});

describe("SecretsManagerSecrets", () => {
  it("reads each secret once per five minutes, a course's credentials before the default", async () => {
    let now = 0;
    const { sent, client } = recorder((command) =>
      (command as GetSecretValueCommand).input.SecretId === "golf"
        ? {
            SecretString: JSON.stringify({
              default: { username: "d", password: "p" },
              links: { username: "l", password: "q" },
            }),
          }
        : { SecretString: JSON.stringify({ token: "tk_1" }) },
    );
    const secrets = new SecretsManagerSecrets(client, { golf: "golf", ntfy: "ntfy" }, () => now);
    expect(await secrets.golfCredentials("default", "links")).toEqual({ username: "l", password: "q" });
    expect(await secrets.golfCredentials("default", "other")).toEqual({ username: "d", password: "p" });
    expect(await secrets.ntfyToken("default")).toBe("tk_1");
    expect(sent).toHaveLength(2);
    now = 5 * 60_000;
    await secrets.ntfyToken("default");
    expect(sent).toHaveLength(3);
  });

  it("means not configured while a secret is still empty, and never quotes a malformed one", async () => {
    const empty = new SecretsManagerSecrets(recorder(() => ({ SecretString: "{}" })).client, {
      golf: "g",
      ntfy: "n",
    });
    expect(await empty.golfCredentials("default", "x")).toBeUndefined();
    expect(await empty.ntfyToken("default")).toBeUndefined();
    const broken = new SecretsManagerSecrets(
      recorder(() => ({ Name: "golf", SecretString: "{hunter2" })).client,
      { golf: "g" },
    );
    const error = (await broken.golfCredentials("default", "x").catch((e: Error) => e)) as Error;
    expect(error.message).toBe("The secret golf is not valid JSON");
  });

  it("reads a named golfer's own secret by name: its credentials and topic, the server's token when it has none", async () => {
    const { sent, client } = recorder((command) => {
      const id = (command as GetSecretValueCommand).input.SecretId;
      if (id === "golfers/alice")
        return {
          SecretString: JSON.stringify({
            golf: { default: { username: "a", password: "pa" } },
            ntfyTopic: "alice-7f",
          }),
        };
      if (id === "ntfy") return { SecretString: JSON.stringify({ token: "tk_server" }) };
      if (id === "golf")
        return { SecretString: JSON.stringify({ default: { username: "d", password: "p" } }) };
      throw named("ResourceNotFoundException");
    });
    const secrets = new SecretsManagerSecrets(client, { golf: "golf", ntfy: "ntfy", golfers: "golfers/" });
    expect(await secrets.golfCredentials("alice", "links")).toEqual({ username: "a", password: "pa" });
    expect(await secrets.ntfyTopic("alice")).toBe("alice-7f");
    expect(await secrets.ntfyToken("alice")).toBe("tk_server");
    // A golfer the stack made no secret for has nothing, and never falls back to the default golfer's sign-in.
    expect(await secrets.golfCredentials("mallory", "links")).toBeUndefined();
    expect(await secrets.ntfyToken("mallory")).toBeUndefined();
    expect(await secrets.ntfyTopic("default")).toBeUndefined();
    expect((sent as GetSecretValueCommand[]).map((c) => c.input.SecretId)).not.toContain("golfers/default");
  });
});
