import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { golferKeysFromEnv } from "../../functions/adapters/api-gateway-key.ts";
import { present, readersOf, resourcesOf, synthTestStack, type TemplateJson } from "./template.ts";

/** A stage naming golfers: a key bound to each, a secret of each, read only by what acts for golfers. */

const outdir = mkdtempSync(join(tmpdir(), "rez-cdk-golfers-"));
let template: Template;
let json: TemplateJson;

beforeAll(() => {
  ({ template, json } = synthTestStack(outdir, { bundle: false, settings: { golfers: ["alice", "bob"] } }));
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const functionEnv = (prefix: string) =>
  (
    present(resourcesOf(json, "AWS::Lambda::Function").find(([id]) => id.startsWith(prefix)))[1]
      .Properties as {
      Environment: { Variables: Record<string, unknown> };
    }
  ).Environment.Variables;

describe("golfers on AWS", () => {
  it("gives each golfer an API key in the usage plan and a secret of its own, named for the functions to find", () => {
    template.resourceCountIs("AWS::ApiGateway::ApiKey", 3);
    template.resourceCountIs("AWS::ApiGateway::UsagePlanKey", 3);
    const names = resourcesOf(json, "AWS::SecretsManager::Secret")
      .map(([, secret]) => secret.Properties.Name)
      .filter(Boolean);
    expect(names).toEqual(["rez-agent-mcp/test/golfers/alice", "rez-agent-mcp/test/golfers/bob"]);
  });

  it("tells the front which golfer each key acts as: the first key the default golfer, each golfer's key its own", () => {
    const keys = functionEnv("Front").GOLFER_KEYS as { "Fn::Join": [string, unknown[]] };
    const text = JSON.stringify(keys);
    for (const golfer of ["default", "alice", "bob"]) expect(text).toContain(`\\"golfer\\":\\"${golfer}\\"`);
    expect(text).toContain("ApiKeyAlice");
  });

  it("lets only the functions that act for a golfer read the golfers' secrets", () => {
    expect(readersOf(json, "GolferAlice")).toEqual([
      "GolfBookTeeTime",
      "GolfBookWhenOpen",
      "GolfCancelReservation",
      "GolfGetReservations",
      "GolfSearchTeeTimes",
      "NotifyOnBooking",
      "SendPushNotification",
    ]);
    expect(functionEnv("GolfBookTeeTime").GOLFER_SECRET_PREFIX).toBe("rez-agent-mcp/test/golfers/");
    expect(functionEnv("GetWeather").GOLFER_SECRET_PREFIX).toBeUndefined();
  });
});

describe("GOLFER_KEYS", () => {
  it("is read back as the stack writes it, and a malformed golfer id is refused", () => {
    expect(golferKeysFromEnv('[{"keyId":"k1","golfer":"alice"}]')).toEqual([
      { keyId: "k1", golfer: "alice" },
    ]);
    expect(() => golferKeysFromEnv('[{"keyId":"k1","golfer":"Alice Smith"}]')).toThrow(/golfer id/);
    expect(golferKeysFromEnv(undefined)).toEqual([]);
  });
});
