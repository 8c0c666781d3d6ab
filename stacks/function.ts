import type { Duration, RemovalPolicy } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { Effect, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

const ROOT = new URL("..", import.meta.url).pathname;

/** What a function does with a table: exactly these actions, nothing broader. */
export const TABLE_ACCESS = {
  /** The request store: create, read, settle, list by owner. */
  requests: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
  /** Settling only (the reconciler). */
  settle: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
  /** Settling the calls found through the sparse `working` index (the sweeper). */
  sweep: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"],
  /** Noting what became of a call's push on its record (the booking notifier). */
  pushReceipt: ["dynamodb:UpdateItem"],
  /** The golf sites' shared pace (an item per site, moved by conditional updates). */
  sitePace: ["dynamodb:UpdateItem"],
  /** Powertools idempotency's persistence layer. */
  idempotency: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
} as const;

export interface RezFunctionProps {
  /** The handler module, relative to the project: "functions/handlers/front.ts". */
  entry: string;
  description: string;
  timeout: Duration;
  memorySize?: number;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  environment?: Record<string, string>;
}

/**
 * The house Lambda function: Node.js 22 on arm64, an esbuild bundle (ESM, minified, source maps, tree-shaken),
 * X-Ray tracing, its own log group with retention, and a role that starts with nothing but writing to that log group.
 * Resources are attached with `use*`, which sets the environment variable and the grant together; the environment
 * is merged, and setting one name to two values is an error.
 */
export class RezFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly #environment = new Map<string, string>();

  constructor(scope: Construct, id: string, props: RezFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Runs ${props.entry}`,
    });
    this.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, "Function", {
      entry: new URL(props.entry, `file://${ROOT}`).pathname,
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      handler: "handler",
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      bundling: {
        format: OutputFormat.ESM,
        target: "node22",
        minify: true,
        sourceMap: true,
        mainFields: ["module", "main"],
        // Some dependencies still call require(); ESM bundles need it defined.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // Everything is bundled, the AWS SDK included. The runtime's own SDK copy is not a complete set of what the
        // bundles need (the X-Ray SDK inside Powertools Tracer requires @smithy packages it does not ship:
        // aws/aws-cdk#33099), and a bundle that carries its SDK runs the version it was tested with. The metafile
        // lets a test prove no bundle imports anything beyond Node's built-ins.
        externalModules: [],
        metafile: true,
      },
    });
    this.setEnvironment({ NODE_OPTIONS: "--enable-source-maps", ...props.environment });
  }

  /** Adds environment variables; the same name with another value is a mistake in the stack, so it throws. */
  setEnvironment(variables: Record<string, string>): this {
    for (const [name, value] of Object.entries(variables)) {
      const existing = this.#environment.get(name);
      if (existing !== undefined && existing !== value) {
        throw new Error(`${this.node.path}: environment variable ${name} is already set to another value`);
      }
      this.#environment.set(name, value);
      this.function.addEnvironment(name, value);
    }
    return this;
  }

  /** Names a table in `variable` and grants exactly `actions` on it and on the named indexes. */
  useTable(
    variable: string,
    table: ITable,
    actions: readonly string[],
    indexes: readonly string[] = [],
  ): this {
    this.setEnvironment({ [variable]: table.tableName });
    const resources = [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index}`)];
    this.role.addToPolicy(new PolicyStatement({ actions: [...actions], resources }));
    return this;
  }

  /** Names a secret in `variable` and lets the function read it (and nothing else). */
  useSecret(variable: string, secret: ISecret): this {
    this.setEnvironment({ [variable]: secret.secretArn });
    secret.grantRead(this.role);
    return this;
  }

  /** Names a bus in `variable` and lets the function put events on it. */
  useBus(variable: string, bus: IEventBus): this {
    this.setEnvironment({ [variable]: bus.eventBusName });
    bus.grantPutEventsTo(this.role);
    return this;
  }
}
