import { CfnOutput, type RemovalPolicy, SecretValue } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { pascalCase } from "../functions/tools/manifest.ts";
import type { StageConfig } from "./config.ts";
import type { RezFunction } from "./function.ts";

/**
 * The stage's named golfers' secrets (functions/core/golfers.ts): one per golfer, `<prefix><golfer id>`, created
 * holding "{}" and filled by the operator with the golfer's `{ golf, ntfyToken, ntfyTopic }` (docs/golfers.md).
 */
export class GolferSecrets {
  readonly prefix: string;
  readonly #secrets: { golfer: string; secret: Secret }[];

  constructor(scope: Construct, config: StageConfig, removalPolicy: RemovalPolicy) {
    this.prefix = `rez-agent-mcp/${config.stage}/golfers/`;
    this.#secrets = config.golfers.map((golfer) => {
      const secret = new Secret(scope, `Golfer${pascalCase(golfer)}`, {
        secretName: `${this.prefix}${golfer}`,
        description: `Golfer ${golfer}: { "golf": { "default": { "username", "password" } }, "ntfyTopic": "..." }`,
        secretStringValue: SecretValue.unsafePlainText("{}"),
        removalPolicy,
      });
      new CfnOutput(scope, `Golfer${pascalCase(golfer)}SecretName`, { value: `${this.prefix}${golfer}` });
      return { golfer, secret };
    });
  }

  /** Lets a function that acts for golfers read each golfer's secret (and no other), found by name. */
  grant(fn: RezFunction): void {
    if (this.#secrets.length === 0) return;
    fn.setEnvironment({ GOLFER_SECRET_PREFIX: this.prefix });
    for (const { secret } of this.#secrets) secret.grantRead(fn.role);
  }
}
