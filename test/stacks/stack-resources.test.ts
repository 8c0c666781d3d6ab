import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA_DIR } from "../../bin/schemas.ts";
import { toolCallEventSchemas } from "../../functions/core/event-schema.ts";
import { KEY_MESSAGES, keyRefusalBody } from "../../functions/core/key-refusal.ts";
import { logicalIdOf, present, resourcesOf, synthTestStack, type TemplateJson } from "./template.ts";

/** The stack's data, events and alarms: synthesised without bundling the functions (cdk-nag on). */

const outdir = mkdtempSync(join(tmpdir(), "rez-cdk-"));
let template: Template;
let json: TemplateJson;

beforeAll(() => {
  ({ template, json } = synthTestStack(outdir, { bundle: false }));
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const resources = (type: string) => resourcesOf(json, type);
const logicalId = (type: string, pathPart: string) => logicalIdOf(json, type, pathPart);

describe("data and events", () => {
  it("keeps requests with TTL, point-in-time recovery and the owner index", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: "byOwner" }),
        Match.objectLike({
          IndexName: "working",
          KeySchema: [
            { AttributeName: "status", KeyType: "HASH" },
            { AttributeName: "workingSince", KeyType: "RANGE" },
          ],
        }),
        Match.objectLike({
          IndexName: "outbox",
          KeySchema: [
            { AttributeName: "outbox", KeyType: "HASH" },
            { AttributeName: "settledAt", KeyType: "RANGE" },
          ],
        }),
      ],
    });
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      TimeToLiveSpecification: { AttributeName: "expiration", Enabled: true },
    });
  });

  it("archives the bus's events and routes how every booking, scheduled booking and watch ended to the notification function", () => {
    template.hasResourceProperties("AWS::Events::Archive", { EventPattern: { source: ["rez-agent-mcp"] } });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["rez-agent-mcp"],
        "detail-type": ["Tool Call Completed", "Tool Call Failed"],
        detail: { tool: ["golf_book_tee_time", "golf_book_when_open", "golf_watch_tee_times"] },
      },
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^NotifyOnBookingFunction"), "Arn"] },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  it("reconciles executions that time out, are aborted or fail", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: Match.objectLike({
        source: ["aws.states"],
        detail: Match.objectLike({ status: ["TIMED_OUT", "ABORTED", "FAILED"] }),
      }),
      Targets: [
        Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ReconcilerFunction"), "Arn"] } }),
      ],
    });
  });

  it("creates the two secrets empty, for the operator to fill, and the confirmation key at random", () => {
    template.resourceCountIs("AWS::SecretsManager::Secret", 3);
    const secrets = resources("AWS::SecretsManager::Secret");
    const generated = secrets.filter(([, s]) => s.Properties.GenerateSecretString);
    expect(generated.map(([id]) => id)).toEqual([expect.stringMatching(/^ConfirmationKey/)]);
    expect(generated[0]?.[1].Properties.SecretString).toBeUndefined();
    const operators = secrets.filter(([, s]) => !s.Properties.GenerateSecretString);
    for (const [, secret] of operators) expect(secret.Properties.SecretString).toBe("{}");
  });
});

describe("the completion events' contract", () => {
  it("is registered in EventBridge's schema registry, one draft-04 schema per detail type, as docs/events has it", () => {
    template.resourceCountIs("AWS::EventSchemas::Registry", 1);
    const schemas = resources("AWS::EventSchemas::Schema");
    expect(schemas.map(([, schema]) => schema.Properties.SchemaName).sort()).toEqual(
      Object.keys(toolCallEventSchemas())
        .map((name) => `rez-agent-mcp@${name}`)
        .sort(),
    );
    for (const [, schema] of schemas) {
      const name = String(schema.Properties.SchemaName).split("@")[1] as string;
      expect(schema.Properties.Type).toBe("JSONSchemaDraft4");
      expect(JSON.parse(String(schema.Properties.Content))).toEqual(
        JSON.parse(readFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), "utf8")),
      );
    }
  });
});

describe("alarms", () => {
  it("watch the 5XX errors of this stage only", () => {
    const [, alarm] = present(
      resources("AWS::CloudWatch::Alarm").find(([, a]) => a.Properties.MetricName === "5XXError"),
    );
    expect(alarm.Properties.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: "ApiName", Value: expect.anything() },
        { Name: "Stage", Value: expect.anything() },
      ]),
    );
  });

  it("send a function's failures on an event to the dead-letter queue, which alarms", () => {
    const queue = logicalId("AWS::SQS::Queue", "DeadLetters");
    const configs = resources("AWS::Lambda::EventInvokeConfig");
    expect(configs.length).toBe(3);
    for (const [, config] of configs) {
      expect(config.Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queue, "Arn"] } } },
      });
    }
  });

  it("watch failed, timed-out and throttled executions, API 5xx, dead letters and every function's throttles", () => {
    const metrics = resources("AWS::CloudWatch::Alarm").map(
      ([, a]) => `${a.Properties.Namespace}/${a.Properties.MetricName}`,
    );
    expect(metrics).toEqual(
      expect.arrayContaining([
        "AWS/States/ExecutionsFailed",
        "AWS/States/ExecutionsTimedOut",
        "AWS/States/ExecutionThrottled",
        "AWS/ApiGateway/5XXError",
        "AWS/SQS/ApproximateNumberOfMessagesVisible",
      ]),
    );
    expect(metrics.filter((m) => m === "AWS/Lambda/Throttles")).toHaveLength(
      resources("AWS::Lambda::Function").length,
    );
    for (const [, alarm] of resources("AWS::CloudWatch::Alarm"))
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });
});

describe("the API Gateway account role", () => {
  it("sets the account's API Gateway CloudWatch role by default, so the first deploy's access logs work", () => {
    expect(resources("AWS::ApiGateway::Account")).toHaveLength(1);
  });
});

describe("a missing or wrong key", () => {
  it("is answered by API Gateway as by the front: 403 with a sentence that names the key, no OAuth challenge", () => {
    template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
      ResponseType: "INVALID_API_KEY",
      StatusCode: "403",
      ResponseTemplates: { "application/json": JSON.stringify(keyRefusalBody(KEY_MESSAGES.either)) },
    });
  });
});
