import { type Stack, Validations } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { IConstruct } from "constructs";
import type { RezAgentMcpStack } from "./rez-agent-mcp-stack.ts";

const nag = (rule: string) => `AwsSolutions::AwsSolutions-${rule}`;

/** Why each cdk-nag (AwsSolutions) finding that remains is accepted; every acknowledgement names its reason. */
export const ACKNOWLEDGED = {
  xray: {
    id: nag("IAM5[Resource::*]"),
    reason:
      "X-Ray's PutTraceSegments and PutTelemetryRecords (and Step Functions' log delivery APIs) support no " +
      "resource-level permissions; every other statement of the role names its resources.",
  },
  runtime: {
    id: nag("L1"),
    reason: "The design pins Node.js 22 (nodejs22.x on arm64), the runtime the code and its tests run on.",
  },
  rotation: {
    id: nag("SMG4"),
    reason:
      "The secrets are a person's CPS Golf sign-in and an ntfy token issued by third parties; AWS cannot rotate " +
      "them. The operator replaces them when they change.",
  },
  deadLetterQueue: {
    id: nag("SQS3"),
    reason: "This queue is itself the dead-letter queue of the event rules' targets, watched by an alarm.",
  },
  workflowLogs: {
    id: nag("SF1"),
    reason:
      "Failures are logged (level ERROR, without execution data, which may hold personal details); every event " +
      "of every execution is in the Standard workflow's own 90-day history.",
  },
  executionArns: {
    id: "",
    reason:
      "StopExecution and DescribeExecution need the execution's ARN, named after a request id not known in " +
      "advance; the wildcard is limited to this state machine's executions.",
  },
  cloudWatchRole: {
    id: nag(
      "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
    ),
    reason:
      "The account's API Gateway CloudWatch role, which access logs need, is what AWS documents: the managed " +
      "policy is the one API Gateway expects, and it grants only log writes.",
  },
  executionLogs: {
    id: nag("APIG6"),
    reason:
      "Execution logging needs an account-wide API Gateway CloudWatch role this stack should not own; access logs " +
      "are on, and the front function logs every error.",
  },
  waf: {
    id: nag("APIG3"),
    reason:
      "Every route needs an API key, the usage plan throttles and caps each key, and the front refuses bodies over " +
      "256 KiB; a web ACL would cost more than the single-person traffic it protects.",
  },
  authorization: {
    id: nag("APIG4"),
    reason:
      "Callers are MCP clients (the stdio bridge), authenticated by API key with a usage plan; the key id owns " +
      "the records. IAM or Cognito sign-in is not something Claude Desktop's bridge can do.",
  },
  cognito: {
    id: nag("COG4"),
    reason: "See APIG4: API keys with a usage plan authenticate the MCP clients; there are no user pools.",
  },
} as const;

/** A resource as cdk-nag names it in a finding: pseudo parameters as <AWS::...>, other tokens as their JSON. */
function nagRendering(stack: Stack, value: string): string {
  const resolved = stack.resolve(value) as unknown;
  if (typeof resolved === "string") return resolved;
  const parts = (resolved as { "Fn::Join": [string, unknown[]] })["Fn::Join"][1];
  return parts
    .map((part) => {
      if (typeof part === "string") return part;
      const { Ref: ref, "Fn::GetAtt": attribute } = part as { Ref?: string; "Fn::GetAtt"?: [string, string] };
      if (ref) return `<${ref}>`;
      if (attribute) return `<${attribute[0]}.${attribute[1]}>`;
      return JSON.stringify(part);
    })
    .join("");
}

function acknowledge(construct: IConstruct | undefined, ...rules: { id: string; reason: string }[]) {
  if (!construct) throw new Error("cdk-nag acknowledgement for a construct that does not exist");
  Validations.of(construct).acknowledge(...rules);
}

/** Records the acknowledgements on the constructs they are about, so a new finding anywhere else still fails. */
export function acknowledgeNagFindings(stack: RezAgentMcpStack): void {
  for (const fn of Object.values(stack.functions)) {
    acknowledge(fn.function, ACKNOWLEDGED.runtime);
    acknowledge(fn.role, ACKNOWLEDGED.xray);
  }
  acknowledge(stack.stateMachine.role, ACKNOWLEDGED.xray);
  acknowledge(stack.expressStateMachine.role, ACKNOWLEDGED.xray);
  acknowledge(stack.scheduledStateMachine.role, ACKNOWLEDGED.xray);
  acknowledge(stack.stateMachine, ACKNOWLEDGED.workflowLogs);
  acknowledge(stack.scheduledStateMachine, ACKNOWLEDGED.workflowLogs);
  for (const name of ["Front", "Reconciler", "Sweeper"]) {
    for (const executions of stack.executionArns) {
      acknowledge(stack.functions[name]?.role, {
        id: nag(`IAM5[Resource::${nagRendering(stack, executions)}]`),
        reason: ACKNOWLEDGED.executionArns.reason,
      });
    }
  }
  const cloudWatchRole = stack.api.node.tryFindChild("CloudWatchRole");
  if (cloudWatchRole) acknowledge(cloudWatchRole, ACKNOWLEDGED.cloudWatchRole);
  // Every secret: the default golfer's two and each named golfer's.
  for (const secret of stack.node.children.filter((child) => child instanceof Secret))
    acknowledge(secret, ACKNOWLEDGED.rotation);
  acknowledge(stack.node.findChild("DeadLetters"), ACKNOWLEDGED.deadLetterQueue);
  acknowledge(stack.api.deploymentStage, ACKNOWLEDGED.executionLogs, ACKNOWLEDGED.waf);
  for (const method of stack.api.methods)
    acknowledge(method, ACKNOWLEDGED.authorization, ACKNOWLEDGED.cognito);
}
