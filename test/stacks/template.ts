import { App, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { parseStageConfig } from "../../stacks/config.ts";
import { acknowledgeNagFindings } from "../../stacks/nag.ts";
import { RezAgentMcpStack } from "../../stacks/rez-agent-mcp-stack.ts";

/** Reading a synthesized template's JSON: its resources by type, logical ids, and IAM statements. */

export type TemplateJson = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};

export const resourcesOf = (json: TemplateJson, type: string) =>
  Object.entries(json.Resources).filter(([, r]) => r.Type === type);

export const logicalIdOf = (json: TemplateJson, type: string, pathPart: string) =>
  resourcesOf(json, type).find(([id]) => id.startsWith(pathPart))?.[0] as string;

/** Every statement of a role's policies. */
export function statementsOfRole(json: TemplateJson, roleLogicalIdPrefix: string) {
  return resourcesOf(json, "AWS::IAM::Policy")
    .filter(([, policy]) =>
      ((policy.Properties.Roles as { Ref: string }[]) ?? []).some((role) =>
        role.Ref.startsWith(roleLogicalIdPrefix),
      ),
    )
    .flatMap(
      ([, policy]) =>
        (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
}

/** The value, which the test requires to exist. */
export function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("expected a value");
  return value;
}

export const actionsOf = (statement: Record<string, unknown>) => [statement.Action].flat() as string[];

/** The test stage's usage plan. */
export const PLAN = { rateLimit: 7, burstLimit: 14, quotaPerDay: 1234 };

/**
 * The test stage's stack, synthesised into `outdir` with cdk-nag on (a finding without an acknowledgement makes
 * synthesis throw); `bundle: false` skips esbuild for tests that read only the template.
 */
export function synthTestStack(
  outdir: string,
  options: { bundle: boolean; settings?: Record<string, unknown> },
) {
  const app = new App({
    outdir,
    ...(options.bundle ? {} : { context: { "aws:cdk:bundling-stacks": [] } }),
  });
  const config = parseStageConfig(
    "test",
    {
      coursesFile: "local/sample-courses.json",
      usagePlan: PLAN,
      logRetentionDays: 14,
      ntfyTopic: "alerts-7f3k",
      ...options.settings,
    },
    (path) => new URL(`../../${path}`, import.meta.url).pathname,
  );
  const stack = new RezAgentMcpStack(app, "rez-agent-mcp-test", { config, env: { region: "eu-west-1" } });
  acknowledgeNagFindings(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  const template = Template.fromStack(stack);
  return { stack, template, json: template.toJSON() as TemplateJson };
}

/** The functions (by logical id, without "Role…") whose policies name a resource whose logical id has `marker`. */
export const readersOf = (json: TemplateJson, marker: string) =>
  resourcesOf(json, "AWS::IAM::Policy")
    .filter(([, p]) => JSON.stringify(p.Properties).includes(marker))
    .flatMap(([, p]) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref.replace(/Role.*/, "")))
    .sort();
