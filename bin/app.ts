#!/usr/bin/env node
/** The CDK app: reads the stage's settings from cdk.json, builds its stack, and runs cdk-nag. Nothing else. */
import { App, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { parseStageConfig } from "../stacks/config.ts";
import { acknowledgeNagFindings } from "../stacks/nag.ts";
import { RezAgentMcpStack } from "../stacks/rez-agent-mcp-stack.ts";

const app = new App();
const stage = String(app.node.tryGetContext("stage") ?? "dev");
const stages = (app.node.tryGetContext("rez-agent-mcp") ?? {}) as Record<string, unknown>;
const config = parseStageConfig(
  stage,
  stages[stage],
  (path) => new URL(`../${path}`, import.meta.url).pathname,
);
const stack = new RezAgentMcpStack(app, `rez-agent-mcp-${stage}`, {
  config,
  description: `rez-agent-mcp (${stage}): an MCP server whose tool calls are Step Functions workflows`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Tags.of(stack).add("project", "rez-agent-mcp");
Tags.of(stack).add("stage", stage);
acknowledgeNagFindings(stack);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
