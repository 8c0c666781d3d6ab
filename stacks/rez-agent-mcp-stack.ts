import {
  Arn,
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
} from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import { AttributeType, BillingMode, Table } from "aws-cdk-lib/aws-dynamodb";
import { EventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { CfnRegistry, CfnSchema } from "aws-cdk-lib/aws-eventschemas";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from "aws-cdk-lib/aws-stepfunctions";
import type { Construct } from "constructs";
import { IDEMPOTENCY_TABLE, REQUEST_TABLE, type TableDefinition } from "../functions/adapters/tables.ts";
import { toolCallEventSchemas } from "../functions/core/event-schema.ts";
import { EVENT_SOURCE } from "../functions/core/events.ts";
import { EVENT_RULES, functionPlaceholder, pascalCase, TOOL_FUNCTIONS } from "../functions/tools/manifest.ts";
import { stackAlarms } from "./alarms.ts";
import { mcpApi } from "./api.ts";
import type { StageConfig } from "./config.ts";
import { RezFunction, TABLE_ACCESS } from "./function.ts";
import { GolferSecrets } from "./golfers.ts";

export const TOOL_CALL_ASL = new URL("../statemachines/tool-call.asl.json", import.meta.url).pathname;
export const SCHEDULED_BOOKING_ASL = new URL("../statemachines/scheduled-booking.asl.json", import.meta.url)
  .pathname;

export interface RezAgentMcpStackProps extends StackProps {
  config: StageConfig;
}

const RETENTION: Record<number, RetentionDays> = Object.fromEntries(
  Object.values(RetentionDays)
    .filter((value): value is RetentionDays => typeof value === "number")
    .map((days) => [days, days]),
);

/**
 * The whole server on AWS: API Gateway (API keys, usage plan) → the front Lambda → a Standard state machine from the
 * same ASL file the local runtime runs → one Lambda per tool; DynamoDB for requests and idempotency; an EventBridge
 * bus with an archive and the booking notification; a reconciler for executions that end abnormally; alarms.
 */
export class RezAgentMcpStack extends Stack {
  readonly api: RestApi;
  readonly stateMachine: StateMachine;
  readonly expressStateMachine: StateMachine;
  /** golf_book_when_open's: a standard execution that waits for the release (up to a year), then books. */
  readonly scheduledStateMachine: StateMachine;
  readonly functions: Record<string, RezFunction> = {};

  constructor(scope: Construct, id: string, props: RezAgentMcpStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = RETENTION[config.logRetentionDays] ?? RetentionDays.ONE_MONTH;
    const fn = (name: string, entry: string, description: string, seconds: number, memorySize?: number) => {
      const created = new RezFunction(this, name, {
        entry: `functions/handlers/${entry}.ts`,
        description,
        timeout: Duration.seconds(seconds),
        logRetention,
        removalPolicy,
        ...(memorySize ? { memorySize } : {}),
        environment: { POWERTOOLS_SERVICE_NAME: entry },
      });
      this.functions[name] = created;
      return created;
    };

    // Data
    const requests = this.#table(REQUEST_TABLE, removalPolicy);
    const idempotency = this.#table(IDEMPOTENCY_TABLE, removalPolicy);
    const ownerIndexes = (REQUEST_TABLE.globalSecondaryIndexes ?? []).map((index) => index.indexName);

    // Secrets: created holding "{}", filled by the operator (docs/deploy.md).
    const golfSecret = new Secret(this, "CpsGolfCredentials", {
      description: 'CPS Golf sign-ins: { "default": { "username": "...", "password": "..." } }',
      secretStringValue: SecretValue.unsafePlainText("{}"),
      removalPolicy,
    });
    const ntfySecret = new Secret(this, "NtfyToken", {
      description: 'The ntfy access token for a protected topic: { "token": "tk_..." }',
      secretStringValue: SecretValue.unsafePlainText("{}"),
      removalPolicy,
    });

    // Signs the confirmation states of bookings (functions/core/confirmation.ts); random, never shown to anyone.
    const confirmationSecret = new Secret(this, "ConfirmationKey", {
      description: "Signs the booking confirmations the front hands to MCP clients (HMAC key, generated)",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });

    const golfers = new GolferSecrets(this, config, removalPolicy);

    // Events
    const bus = new EventBus(this, "Bus", { description: "rez-agent-mcp Tool Call events" });
    bus.archive("Archive", {
      description: "Every rez-agent-mcp event, for replay",
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(config.archiveRetentionDays),
    });
    // The completion events' contract in EventBridge's schema registry, where consumers generate code bindings.
    const registry = new CfnRegistry(this, "EventSchemas", {
      registryName: `rez-agent-mcp-${config.stage}`,
      description: "rez-agent-mcp Tool Call events (docs/events/)",
    });
    for (const [name, schema] of Object.entries(toolCallEventSchemas())) {
      new CfnSchema(this, `${name}Schema`, {
        registryName: registry.attrRegistryName,
        schemaName: `${EVENT_SOURCE}@${name}`,
        type: "JSONSchemaDraft4",
        content: JSON.stringify(schema),
        description: `${name.replace(/([a-z])([A-Z])/g, "$1 $2")} events of rez-agent-mcp`,
      });
    }
    const deadLetters = new Queue(this, "DeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // Tool functions
    const shared = { COURSES_JSON: config.coursesJson };
    const ntfyEnvironment = {
      NTFY_BASE_URL: config.ntfy.baseUrl,
      ...(config.ntfy.topic ? { NTFY_TOPIC: config.ntfy.topic } : {}),
    };
    const tools = TOOL_FUNCTIONS.map((spec) => {
      const created = fn(pascalCase(spec.entry), spec.entry, `rez-agent-mcp ${spec.tool}`, spec.seconds);
      created.setEnvironment(shared);
      const uses: readonly string[] = spec.uses;
      if (uses.includes("weather")) created.setEnvironment(weatherEnvironment(config.weatherEndpoints));
      if (uses.includes("golf")) {
        // One pace per site for every instance of every golf function: an item per site in the idempotency table.
        created
          .useSecret("GOLF_SECRET_ARN", golfSecret)
          .useTable("SITE_PACE_TABLE_NAME", idempotency, TABLE_ACCESS.sitePace);
      }
      if (uses.includes("ntfy"))
        created.useSecret("NTFY_SECRET_ARN", ntfySecret).setEnvironment(ntfyEnvironment);
      if (uses.includes("golf") || uses.includes("ntfy")) golfers.grant(created);
      if (uses.includes("idempotency")) {
        created.useTable("IDEMPOTENCY_TABLE_NAME", idempotency, TABLE_ACCESS.idempotency);
      }
      return { spec, created };
    });

    // Workflow: the same file deployed twice. Read-only tools run EXPRESS (started synchronously, about 50x cheaper
    // and answered in the call); side effects run STANDARD (durable, started exactly once per request id).
    const substitutions = {
      ...Object.fromEntries(
        tools.map(({ spec, created }) => [functionPlaceholder(spec.entry), created.function.functionArn]),
      ),
      RequestTableName: requests.tableName,
      EventBusName: bus.eventBusName,
    };
    const workflowLogs = new LogGroup(this, "WorkflowLogs", { retention: logRetention, removalPolicy });
    this.stateMachine = new StateMachine(this, "ToolCall", {
      comment: "rez-agent-mcp: one MCP tools/call with a side effect",
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(TOOL_CALL_ASL),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: { destination: workflowLogs, level: LogLevel.ERROR, includeExecutionData: false },
      timeout: Duration.minutes(15),
    });
    const expressLogs = new LogGroup(this, "ExpressWorkflowLogs", { retention: logRetention, removalPolicy });
    this.expressStateMachine = new StateMachine(this, "ToolCallExpress", {
      comment: "rez-agent-mcp: one MCP tools/call of a read-only tool",
      stateMachineType: StateMachineType.EXPRESS,
      definitionBody: DefinitionBody.fromFile(TOOL_CALL_ASL),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      // Express executions have no history of their own: every step is logged, so each call is visible.
      logs: { destination: expressLogs, level: LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.minutes(5),
    });
    const scheduledLogs = new LogGroup(this, "ScheduledWorkflowLogs", {
      retention: logRetention,
      removalPolicy,
    });
    this.scheduledStateMachine = new StateMachine(this, "ScheduledBooking", {
      comment: "rez-agent-mcp: golf_book_when_open, waiting for a course's release, then booking once",
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(SCHEDULED_BOOKING_ASL),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: { destination: scheduledLogs, level: LogLevel.ERROR, includeExecutionData: false },
      // Standard executions may run a year; a release is at most that far ahead.
      timeout: Duration.days(365),
    });
    for (const machine of [this.stateMachine, this.expressStateMachine, this.scheduledStateMachine]) {
      // Exactly the tool functions (not their versions: the definition invokes the unqualified ARNs).
      machine.addToRolePolicy(
        new PolicyStatement({
          actions: ["lambda:InvokeFunction"],
          resources: tools.map(({ created }) => created.function.functionArn),
        }),
      );
      machine.addToRolePolicy(
        new PolicyStatement({ actions: ["dynamodb:UpdateItem"], resources: [requests.tableArn] }),
      );
      bus.grantPutEventsTo(machine);
    }

    // Front
    const machineArns = {
      STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
      EXPRESS_STATE_MACHINE_ARN: this.expressStateMachine.stateMachineArn,
      SCHEDULED_STATE_MACHINE_ARN: this.scheduledStateMachine.stateMachineArn,
    };
    // A function that throws on an event (the reconciler, the sweeper, the notifier) is retried twice by Lambda,
    // then its event goes to the dead-letter queue, which alarms: a failure never vanishes.
    const onFailure = new SqsDestination(deadLetters);
    // Below API Gateway's 29 s, so the front answers (a sync budget is at most 25 s) before the gateway cuts it.
    const front = fn("Front", "front", "rez-agent-mcp front: MCP over HTTP", 28, 512)
      .useTable("REQUEST_TABLE_NAME", requests, TABLE_ACCESS.requests, ownerIndexes)
      .useBus("EVENT_BUS_NAME", bus)
      .useSecret("CONFIRMATION_SECRET_ARN", confirmationSecret)
      .setEnvironment({
        ...machineArns,
        CONFIRM_BOOKINGS: String(config.confirmBookings),
        // The courses resource, the prompts' course names and their completions.
        COURSES_JSON: config.coursesJson,
        SYNC_BUDGET_SECONDS: String(config.syncBudgetSeconds),
        RETENTION_DAYS: String(config.retentionDays),
        API_BASE_PATH: `/${config.stage}`,
        // An express call's path is read from its log group (functions/adapters/express-log-history.ts).
        EXPRESS_LOG_GROUP_NAME: expressLogs.logGroupName,
        ALLOWED_ORIGINS: JSON.stringify(config.allowedOrigins),
      });
    this.stateMachine.grantStartExecution(front.role);
    this.scheduledStateMachine.grantStartExecution(front.role);
    this.expressStateMachine.grantStartSyncExecution(front.role);
    expressLogs.grant(front.role, "logs:FilterLogEvents");
    this.expressStateMachine.grantStartExecution(front.role);
    front.role.addToPolicy(
      new PolicyStatement({
        actions: ["states:StopExecution", "states:DescribeExecution", "states:GetExecutionHistory"],
        resources: this.executionArns,
      }),
    );

    // The reconciler and the sweeper settle calls from Step Functions' own answer (DescribeExecution).
    const settler = (
      name: string,
      description: string,
      access: readonly string[],
      indexes: string[] = [],
    ) => {
      const created = fn(name, name.toLowerCase(), description, 60)
        .useTable("REQUEST_TABLE_NAME", requests, access, indexes)
        .useBus("EVENT_BUS_NAME", bus)
        .setEnvironment(machineArns);
      created.role.addToPolicy(
        new PolicyStatement({ actions: ["states:DescribeExecution"], resources: this.executionArns }),
      );
      created.function.configureAsyncInvoke({ onFailure, retryAttempts: 2 });
      return created;
    };
    // Reconciler: Step Functions' own status-change events, for executions that end outside the definition's paths.
    const reconciler = settler(
      "Reconciler",
      "rez-agent-mcp: settles calls whose execution ended abnormally",
      TABLE_ACCESS.settle,
    );
    new Rule(this, "ReconcileExecutions", {
      description: "Executions of the tool-call state machine that timed out, were aborted or failed",
      eventPattern: {
        source: ["aws.states"],
        detailType: ["Step Functions Execution Status Change"],
        detail: {
          status: ["TIMED_OUT", "ABORTED", "FAILED"],
          stateMachineArn: [this.stateMachine.stateMachineArn, this.scheduledStateMachine.stateMachineArn],
        },
      },
      targets: [new LambdaFunction(reconciler.function, { deadLetterQueue: deadLetters, retryAttempts: 4 })],
    });

    // Sweeper: calls left working past their deadline, and events left unpublished, found through the sparse
    // `working` and `outbox` indexes.
    const sweeper = settler(
      "Sweeper",
      "rez-agent-mcp: settles calls left working, publishes events left in the outbox",
      TABLE_ACCESS.sweep,
      ["working", "outbox"],
    );
    new Rule(this, "SweepWorkingCalls", {
      description: "Settles calls left working: every 5 minutes",
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(sweeper.function, { deadLetterQueue: deadLetters, retryAttempts: 4 })],
    });

    // The booking notification: choreography on the bus, the workflow knows nothing of it. Deployed only when the
    // stage names an ntfy topic or golfers (who may have topics of their own): else there is nobody to notify.
    if (config.ntfy.topic || config.golfers.length > 0)
      golfers.grant(
        this.#notifyOnBooking(fn, bus, ntfySecret, { idempotency, requests }, ntfyEnvironment, deadLetters),
      );
    // API
    const { api, key, golferKeys } = mcpApi(this, config, front.function, {
      retention: logRetention,
      removalPolicy,
    });
    this.api = api;
    front.setEnvironment({ GOLFER_KEYS: this.toJsonString(golferKeys) });

    // Alarms
    stackAlarms(this, config, {
      machines: [
        ["", this.stateMachine],
        ["Express", this.expressStateMachine],
        ["Scheduled", this.scheduledStateMachine],
      ],
      api,
      deadLetters,
      functions: this.functions,
    });

    new CfnOutput(this, "EndpointUrl", {
      value: this.api.urlForPath("/mcp"),
      description: "The MCP endpoint",
    });
    new CfnOutput(this, "ConsoleUrl", {
      value: this.api.urlForPath("/console/"),
      description: "The web console: sign in with the API key",
    });
    new CfnOutput(this, "ApiKeyId", {
      value: key.keyId,
      description: "aws apigateway get-api-key --api-key <id> --include-value --query value --output text",
    });
    new CfnOutput(this, "GolfSecretArn", { value: golfSecret.secretArn });
    new CfnOutput(this, "NtfySecretArn", { value: ntfySecret.secretArn });
  }

  /** The notification function and its rule: how a booking, scheduled booking or watch ended reaches the phone. */
  #notifyOnBooking(
    fn: (name: string, entry: string, description: string, seconds: number) => RezFunction,
    bus: EventBus,
    ntfySecret: Secret,
    tables: { idempotency: Table; requests: Table },
    ntfyEnvironment: Record<string, string>,
    deadLetters: Queue,
  ): RezFunction {
    const notify = fn(
      "NotifyOnBooking",
      "notify-on-booking",
      "rez-agent-mcp: push notification for a booking",
      30,
    )
      .useSecret("NTFY_SECRET_ARN", ntfySecret)
      .useTable("IDEMPOTENCY_TABLE_NAME", tables.idempotency, TABLE_ACCESS.idempotency)
      .useTable("REQUEST_TABLE_NAME", tables.requests, TABLE_ACCESS.pushReceipt)
      .setEnvironment(ntfyEnvironment);
    notify.function.configureAsyncInvoke({ onFailure: new SqsDestination(deadLetters), retryAttempts: 2 });
    const booking = EVENT_RULES.notifyOnBooking;
    new Rule(this, "NotifyOnBookingRule", {
      description: `How a call of ${booking.detail.tool.join(", ")} ended is pushed to the owner's phone`,
      eventBus: bus,
      eventPattern: {
        source: [...booking.source],
        detailType: [...booking["detail-type"]],
        detail: { tool: [...booking.detail.tool] },
      },
      targets: [
        new LambdaFunction(notify.function, {
          deadLetterQueue: deadLetters,
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
    return notify;
  }

  /** Every execution of the standard state machines: their names are request ids, unknown in advance. */
  get executionArns(): string[] {
    return [this.stateMachine, this.scheduledStateMachine].map((machine) =>
      Arn.format(
        {
          service: "states",
          resource: "execution",
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          resourceName: `${machine.stateMachineName}:*`,
        },
        this,
      ),
    );
  }

  #table(definition: TableDefinition, removalPolicy: RemovalPolicy): Table {
    const attribute = (key: { name: string; type: "S" | "N" }) => ({
      name: key.name,
      type: key.type === "S" ? AttributeType.STRING : AttributeType.NUMBER,
    });
    const table = new Table(this, pascalCase(definition.logicalName), {
      partitionKey: attribute(definition.partitionKey),
      ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
      ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    for (const index of definition.globalSecondaryIndexes ?? []) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
      });
    }
    return table;
  }
}

/** The weather functions' endpoint overrides, in the variables weatherConfigFromEnv reads. */
function weatherEnvironment(endpoints: StageConfig["weatherEndpoints"]): Record<string, string> {
  const variables: Record<string, string> = {};
  if (endpoints.nwsBaseUrl) variables.NWS_BASE_URL = endpoints.nwsBaseUrl;
  if (endpoints.geocodingBaseUrl) variables.GEOCODING_BASE_URL = endpoints.geocodingBaseUrl;
  if (endpoints.openMeteoBaseUrl) variables.OPEN_METEO_BASE_URL = endpoints.openMeteoBaseUrl;
  return variables;
}
