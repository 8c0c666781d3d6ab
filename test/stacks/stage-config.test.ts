import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../stacks/config.ts";
import { RezAgentMcpStack } from "../../stacks/rez-agent-mcp-stack.ts";

/** The stack, synthesised offline (esbuild bundles, cdk-nag on), asserted on the properties that matter. */

/** What a stage's settings may be, and a stage that leaves out what it does not need. */

describe("a stage without an ntfy topic, in an account that manages its own API Gateway role", () => {
  it("deploys no booking notification (nobody to notify) and leaves the account's role alone", () => {
    // Only the template is read: the functions are not bundled.
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), "rez-cdk-")),
      context: { "aws:cdk:bundling-stacks": [] },
    });
    const config = parseStageConfig(
      "bare",
      { apiGatewayCloudWatchRole: false },
      (path) => new URL(`../../${path}`, import.meta.url).pathname,
    );
    const bare = Template.fromStack(new RezAgentMcpStack(app, "bare", { config }));
    const rules = Object.keys(bare.findResources("AWS::Events::Rule"));
    expect(rules.some((id) => id.startsWith("NotifyOnBooking"))).toBe(false);
    expect(bare.findResources("AWS::ApiGateway::Account")).toEqual({});
  });
});

describe("the stage configuration", () => {
  it.each([
    ["an unknown setting", { colour: "red" }, /unknown setting "colour"/],
    ["a usage plan rate of 0", { usagePlan: { rateLimit: 0 } }, /"rateLimit" must be a number above 0/],
    [
      "a sync budget past API Gateway's limit",
      { syncBudgetSeconds: 40 },
      /"syncBudgetSeconds" must be .* at most 25/,
    ],
    ["an http ntfy server", { ntfyBaseUrl: "http://ntfy.example" }, /must be an https URL/],
    ["a missing courses file", { coursesFile: "nope.json" }, /the courses file nope.json/],
  ])("refuses %s", (_, settings, message) => {
    expect(() => parseStageConfig("dev", settings, (p) => p)).toThrow(message);
  });
});
