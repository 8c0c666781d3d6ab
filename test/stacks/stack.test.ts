import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coursesFromEnv } from "../../functions/handlers/environment.ts";
import { functionPlaceholder, pascalCase, TOOL_FUNCTIONS } from "../../functions/tools/manifest.ts";
import { apiMethods } from "../../local/rehearsal/assembly.ts";
import { SCHEDULED_BOOKING_ASL, TOOL_CALL_ASL } from "../../stacks/rez-agent-mcp-stack.ts";
import { environmentOf, frontInit } from "../bench/deployed.ts";
import {
  actionsOf,
  logicalIdOf,
  PLAN,
  present,
  readersOf,
  resourcesOf,
  statementsOfRole,
  synthTestStack,
  type TemplateJson,
} from "./template.ts";

/** The stack, synthesised offline (esbuild bundles, cdk-nag on), asserted on the properties that matter. */

const outdir = mkdtempSync(join(tmpdir(), "rez-cdk-"));
let template: Template;
let json: TemplateJson;

beforeAll(() => {
  ({ template, json } = synthTestStack(outdir, { bundle: true }));
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const resources = (type: string) => resourcesOf(json, type);
const logicalId = (type: string, pathPart: string) => logicalIdOf(json, type, pathPart);
const statementsOf = (roleLogicalIdPrefix: string) => statementsOfRole(json, roleLogicalIdPrefix);

describe("the API", () => {
  it("requires an API key on every MCP method but the CORS preflight, and on the console's sign-in alone, and sends them all to the front", () => {
    const methods = resources("AWS::ApiGateway::Method");
    const routes = apiMethods(json.Resources, methods).map(
      (m) => `${m.httpMethod} ${m.path}${m.apiKeyRequired ? " (key)" : ""}`,
    );
    expect(routes.sort()).toEqual(
      [
        "ANY /mcp (key)",
        "OPTIONS /mcp",
        "GET /mcp/status/{id} (key)",
        "OPTIONS /mcp/status/{id}",
        "POST /mcp/status/{id}/cancel (key)",
        "OPTIONS /mcp/status/{id}/cancel",
        "GET /mcp/status/{id}/history (key)",
        "GET /console",
        "GET /console/{asset}",
        "POST /console/api/session (key)",
        "GET /console/api/session",
        "DELETE /console/api/session",
        "GET /console/api/requests",
        "GET /console/api/requests/{id}",
        "POST /console/api/requests/{id}/cancel",
        "GET /console/api/machines/{name}",
      ].sort(),
    );
    for (const [, method] of methods) {
      expect(JSON.stringify(method.Properties.Integration)).toContain(
        logicalId("AWS::Lambda::Function", "FrontFunction"),
      );
    }
  });

  it("is a REGIONAL endpoint, and the front ends before API Gateway's 29 s", () => {
    template.hasResourceProperties("AWS::ApiGateway::RestApi", {
      EndpointConfiguration: { Types: ["REGIONAL"] },
    });
    const front = resources("AWS::Lambda::Function").find(([id]) => id.startsWith("FrontFunction"))?.[1];
    expect(present(front).Properties.Timeout).toBeLessThan(29);
  });

  it("has a usage plan with the configured per-key rate, burst and daily quota, and a key in it", () => {
    template.hasResourceProperties("AWS::ApiGateway::UsagePlan", {
      Throttle: { RateLimit: PLAN.rateLimit, BurstLimit: PLAN.burstLimit },
      Quota: { Limit: PLAN.quotaPerDay, Period: "DAY" },
    });
    template.resourceCountIs("AWS::ApiGateway::UsagePlanKey", 1);
  });

  it("logs access, traces, and throttles the stage", () => {
    template.hasResourceProperties("AWS::ApiGateway::Stage", {
      StageName: "test",
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("requestId") },
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: PLAN.rateLimit * 10 })]),
    });
  });

  it("outputs the endpoint, the console and the key id", () => {
    template.hasOutput("EndpointUrl", { Value: Match.anyValue() });
    expect(JSON.stringify(template.findOutputs("ConsoleUrl"))).toContain("/console/");
    template.hasOutput("ApiKeyId", { Value: { Ref: Match.stringLikeRegexp("^ApiKey") } });
  });
});

describe("the functions", () => {
  it("are Node.js 22 on arm64, traced, each with its own retained log group", () => {
    const functions = resources("AWS::Lambda::Function");
    expect(functions).toHaveLength(11);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
      });
    }
    const groups = resources("AWS::Logs::LogGroup");
    expect(groups.every(([, g]) => g.Properties.RetentionInDays === 14)).toBe(true);
  });

  it("start the front with exactly the environment the stack gives it, as npm run bench does", async () => {
    // Prepare: the front's settings as the template sets them (references to other resources as stand-ins)
    const environment = environmentOf(template.toJSON() as never, "FrontFunction");
    // Act: a fresh process loads the front handler with them and answers a request
    const ms = await frontInit(
      new URL("../../functions/handlers/front.ts", import.meta.url).pathname,
      environment,
    );
    // Assess: it started (a setting the front needs and the stack omits fails here, and in the bench)
    expect(ms).toBeGreaterThan(0);
  });

  it("get the settings they read, merged", () => {
    const front = resources("AWS::Lambda::Function").find(([id]) => id.startsWith("FrontFunction"))?.[1];
    expect(
      Object.keys((present(front).Properties.Environment as { Variables: object }).Variables).sort(),
    ).toEqual([
      "ALLOWED_ORIGINS",
      "API_BASE_PATH",
      "CONFIRMATION_SECRET_ARN",
      "CONFIRM_BOOKINGS",
      "COURSES_JSON",
      "EVENT_BUS_NAME",
      "EXPRESS_LOG_GROUP_NAME",
      "EXPRESS_STATE_MACHINE_ARN",
      "GOLFER_KEYS",
      "NODE_OPTIONS",
      "POWERTOOLS_SERVICE_NAME",
      "REQUEST_TABLE_NAME",
      "RETENTION_DAYS",
      "SCHEDULED_STATE_MACHINE_ARN",
      "STATE_MACHINE_ARN",
      "SYNC_BUDGET_SECONDS",
    ]);
    const book = resources("AWS::Lambda::Function").find(([id]) =>
      id.startsWith("GolfBookTeeTimeFunction"),
    )?.[1];
    expect(
      (present(book).Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    ).toMatchObject({
      COURSES_JSON: expect.stringContaining("sample-links"),
      GOLF_SECRET_ARN: { Ref: expect.stringMatching(/^CpsGolfCredentials/) },
      IDEMPOTENCY_TABLE_NAME: { Ref: expect.stringMatching(/^Idempotency/) },
    });
  });

  it("find every configured course's CPS Golf site in the COURSES_JSON the template gives them", () => {
    const book = resources("AWS::Lambda::Function").find(([id]) =>
      id.startsWith("GolfBookTeeTimeFunction"),
    )?.[1];
    const variables = (present(book).Properties.Environment as { Variables: Record<string, string> })
      .Variables;
    const courses = coursesFromEnv({ COURSES_JSON: variables.COURSES_JSON });
    const sample = courses.find((course) => course.id === "sample-links");
    expect(sample?.golf).toMatchObject({
      origin: "https://sample-links.cps.golf",
      courseIds: "1",
      bookingSteps: ["checkBookingLimit", "registerTransactionId"],
    });
    expect(courses.find((course) => course.id === "highland-dunes")?.golf).toBeUndefined();
  });

  it("are bundles that import nothing but Node's built-ins, so they load on the bare nodejs22.x runtime", () => {
    const metafiles = readdirSync(outdir)
      .filter((name) => name.startsWith("asset."))
      .map((name) => join(outdir, name, "index.meta.json"))
      .filter((file) => existsSync(file));
    expect(metafiles).toHaveLength(resources("AWS::Lambda::Function").length);
    for (const file of metafiles) {
      const meta = JSON.parse(readFileSync(file, "utf8")) as {
        outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
      };
      const externals = Object.values(meta.outputs).flatMap((output) =>
        output.imports.filter((entry) => entry.external).map((entry) => entry.path),
      );
      expect(externals.filter((path) => !isBuiltin(path))).toEqual([]);
    }
  });
});

describe("least privilege", () => {
  it("gives the front exactly the request table, starting, running, stopping and describing executions, the express log group, the bus and the confirmation key", () => {
    const statements = statementsOf("FrontRole");
    const byAction = Object.fromEntries(
      statements.flatMap((s) => actionsOf(s).map((a) => [a, JSON.stringify(s.Resource)])),
    );
    expect(Object.keys(byAction).sort()).toEqual([
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "events:PutEvents",
      "logs:CreateLogStream",
      "logs:FilterLogEvents",
      "logs:PutLogEvents",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "states:DescribeExecution",
      "states:GetExecutionHistory",
      "states:StartExecution",
      "states:StartSyncExecution",
      "states:StopExecution",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]);
    expect(byAction["secretsmanager:GetSecretValue"]).toContain("ConfirmationKey");
    // An express call's path is read from the express machine's log group, and no other.
    expect(byAction["logs:FilterLogEvents"]).toContain("ExpressWorkflowLogs");
    expect(byAction["logs:FilterLogEvents"]).not.toContain("ScheduledWorkflowLogs");
    expect(byAction["secretsmanager:GetSecretValue"]).not.toContain("CpsGolf");
    expect(byAction["states:StartSyncExecution"]).toContain("ToolCallExpress");
    expect(byAction["dynamodb:Query"]).toContain("/index/byOwner");
    expect(byAction["dynamodb:Query"]).not.toContain("/index/*");
    expect(byAction["states:StartExecution"]).toContain("ToolCall");
    expect(byAction["states:StopExecution"]).toContain(":execution:");
  });

  it("lets the booking notifier note a push on the request table and nothing more there", () => {
    const statements = statementsOf("NotifyOnBookingRole");
    const onRequests = statements.filter((s) => JSON.stringify(s.Resource).includes("Requests"));
    expect(onRequests.flatMap((s) => actionsOf(s))).toEqual(["dynamodb:UpdateItem"]);
    expect(JSON.stringify(onRequests.map((s) => s.Resource))).not.toContain("/index/");
  });

  it("lets the state machine invoke exactly the tool functions, update the request table and put events on the bus", () => {
    const statements = statementsOf("ToolCallRole");
    const invoke = statements.find((s) => actionsOf(s).includes("lambda:InvokeFunction"));
    const invoked = (present(invoke).Resource as { "Fn::GetAtt": [string, string] }[]).map(
      (r) => r["Fn::GetAtt"][0],
    );
    expect(invoked.sort()).toEqual(
      TOOL_FUNCTIONS.map((spec) =>
        logicalId("AWS::Lambda::Function", `${pascalCase(spec.entry)}Function`),
      ).sort(),
    );
    const update = statements.find((s) => actionsOf(s).includes("dynamodb:UpdateItem"));
    expect(actionsOf(update ?? {})).toEqual(["dynamodb:UpdateItem"]);
    expect(JSON.stringify(update?.Resource)).toContain(logicalId("AWS::DynamoDB::Table", "Requests"));
    const put = statements.find((s) => actionsOf(s).includes("events:PutEvents"));
    expect(JSON.stringify(put?.Resource)).toContain(logicalId("AWS::Events::EventBus", "Bus"));
  });

  it("uses a * resource only for X-Ray and log delivery, which allow nothing narrower", () => {
    const allowedOnStar = new Set([
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]);
    for (const [, policy] of resources("AWS::IAM::Policy")) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement) {
        if (statement.Resource === "*")
          for (const action of actionsOf(statement)) expect(allowedOnStar).toContain(action);
        for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*$/);
      }
    }
  });

  it("lets only the golf functions read the CPS Golf secret", () => {
    expect(readersOf(json, "CpsGolfCredentials")).toEqual([
      "GolfBookTeeTime",
      "GolfBookWhenOpen",
      "GolfCancelReservation",
      "GolfGetReservations",
      "GolfSearchTeeTimes",
    ]);
  });
});

describe("the workflow", () => {
  it("is a traced STANDARD state machine that logs failures, and an EXPRESS one that logs every step", () => {
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineType: "STANDARD",
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: "ERROR", IncludeExecutionData: false }),
    });
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineType: "EXPRESS",
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: "ALL", IncludeExecutionData: false }),
    });
    const [[, standard], [, express]] = resources("AWS::StepFunctions::StateMachine") as unknown as [
      [string, { Properties: Record<string, unknown> }],
      [string, { Properties: Record<string, unknown> }],
    ];
    expect(express.Properties.DefinitionS3Location).toEqual(standard.Properties.DefinitionS3Location);
    expect(express.Properties.DefinitionSubstitutions).toEqual(standard.Properties.DefinitionSubstitutions);
  });

  it("is the ASL file the local runtime runs, with every placeholder resolved to the right function", () => {
    const [, machine] = resources("AWS::StepFunctions::StateMachine")[0] ?? [];
    const key = (present(machine).Properties.DefinitionS3Location as { Key: string }).Key;
    const asset = readdirSync(outdir).find((file) => file === `asset.${key}`) as string;
    expect(readFileSync(join(outdir, asset), "utf8")).toBe(readFileSync(TOOL_CALL_ASL, "utf8"));
    const substitutions = machine?.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const placeholders = new Set(
      [TOOL_CALL_ASL, SCHEDULED_BOOKING_ASL].flatMap((file) =>
        [...readFileSync(file, "utf8").matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]),
      ),
    );
    // One set of values for both files: each uses its own.
    expect(Object.keys(substitutions).sort()).toEqual([...placeholders].sort());
    for (const spec of TOOL_FUNCTIONS) {
      const target = (substitutions[functionPlaceholder(spec.entry)] as { "Fn::GetAtt": [string, string] })[
        "Fn::GetAtt"
      ][0];
      expect(target.toLowerCase()).toContain(spec.entry.replaceAll("-", ""));
    }
    expect(substitutions.RequestTableName).toEqual({ Ref: logicalId("AWS::DynamoDB::Table", "Requests") });
    expect(substitutions.EventBusName).toEqual({ Ref: logicalId("AWS::Events::EventBus", "Bus") });
  });
});

describe("the scheduled booking", () => {
  it("is its own standard state machine, from the ASL file the local runtime runs, that may wait a year", () => {
    const [, machine] =
      resources("AWS::StepFunctions::StateMachine").find(([id]) => id.startsWith("ScheduledBooking")) ?? [];
    const key = (present(machine).Properties.DefinitionS3Location as { Key: string }).Key;
    const asset = readdirSync(outdir).find((file) => file === `asset.${key}`) as string;
    expect(readFileSync(join(outdir, asset), "utf8")).toBe(readFileSync(SCHEDULED_BOOKING_ASL, "utf8"));
    expect(present(machine).Properties.StateMachineType ?? "STANDARD").toBe("STANDARD");
    const substitutions = machine?.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const target = (substitutions.GolfBookWhenOpenFunctionArn as { "Fn::GetAtt": [string, string] })[
      "Fn::GetAtt"
    ][0];
    expect(target).toMatch(/^GolfBookWhenOpenFunction/);
  });
});
