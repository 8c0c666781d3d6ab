import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { EventPattern } from "../../functions/core/events.ts";
import type { JsonObject } from "../../functions/core/json.ts";
import { parseCourses } from "../../functions/tools/courses.ts";
import { pascalCase } from "../../functions/tools/manifest.ts";
import { parseStageConfig } from "../../stacks/config.ts";
import { acknowledgeNagFindings } from "../../stacks/nag.ts";
import { RezAgentMcpStack } from "../../stacks/rez-agent-mcp-stack.ts";
import { type BusEvent, LocalEventBus } from "../bus.ts";
import { startLocalDynamo } from "../dynamo.ts";
import { LocalExecutionHistories } from "../execution-recorder.ts";
import {
  DEMO_GOLFER,
  type GolfSimulator,
  type GolfSimulatorOptions,
  startGolfSimulator,
} from "../simulators/cps-golf.ts";
import { type NtfySimulator, startNtfySimulator } from "../simulators/ntfy.ts";
import { startNwsSimulator } from "../simulators/nws.ts";
import { startOpenMeteoSimulator } from "../simulators/open-meteo.ts";
import type { Simulator } from "../simulators/sim-server.ts";
import { LocalWorkflow } from "../workflow.ts";
import { proxyEvent, readAll } from "./api-gateway.ts";
import { ACCOUNT, type Assembly, matchMethod, REGION, readAssembly } from "./assembly.ts";
import type { AwsLatencyModel } from "./aws-model.ts";
import { startStandIns } from "./aws-stand-ins.ts";
import { LambdaFailure, LambdaHost } from "./lambda-host.ts";

const SAMPLE_COURSES = new URL("../sample-courses.json", import.meta.url);
const STACK_NAME = "rez-agent-mcp-rehearsal";

/** A browser origin the rehearsal's stage allows (CORS). */
export const REHEARSAL_ORIGIN = "https://claude.ai";

/** A golfer the rehearsal's stage names besides the default one: its own key, secret, site account and topic. */
export const REHEARSAL_GOLFER = {
  id: "alice",
  site: {
    username: "alice@example.com",
    password: "alice-password",
    golferId: 50_501,
    acct: "A-50501",
    email: "alice@example.com",
  },
  ntfyTopic: "alice-rehearsal-topic",
};

export interface Rehearsal {
  /** The MCP endpoint: http://127.0.0.1:<port>/<stage>/mcp */
  endpoint: string;
  /** The first key's value (the default golfer's). */
  apiKey: string;
  /** The value of each golfer's own key, by golfer (REHEARSAL_GOLFER's). */
  golferKeys: Record<string, string>;
  assembly: Assembly;
  /** dynalite's endpoint, for the session's own look at the table. */
  dynamoEndpoint: string;
  /** The Step Functions stand-in's endpoint (the latency measurements start executions directly). */
  stepFunctionsEndpoint: string;
  hosts: LambdaHost[];
  simulators: { golf: GolfSimulator; ntfy: NtfySimulator; nws: Simulator; openMeteo: Simulator };
  /** Every event put on the project's bus, as delivered. */
  events: BusEvent[];
  /** Events whose target failed after Lambda's two retries (on AWS: the dead-letter queue). */
  deadLetters: { rule: string; error: string }[];
  /** Puts an event on the account's default bus, where Step Functions' own events arrive. */
  putDefaultEvent(entry: { source: string; detailType: string; detail: JsonObject }): Promise<void>;
  /** Runs each scheduled rule's targets once, as their schedule would. */
  fireSchedules(): Promise<void>;
  /** Waits for the buses' pending deliveries. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface RehearsalOptions {
  /** The AWS latency model: the services and the golf site take as long as on AWS (default: loopback speed). */
  awsModel?: AwsLatencyModel;
  /** Settings of the simulated golf site beyond the sample course's (a golfer allowed more reservations). */
  golfSite?: Partial<GolfSimulatorOptions>;
}

/**
 * The synthesized stack, run on one machine: synthesizes the app for a "rehearsal" stage whose upstreams are the
 * loopback simulators, then runs its cloud assembly as AWS would, from the template and the bundles.
 */
export async function startRehearsal(
  log: (line: string) => void = () => {},
  options: RehearsalOptions = {},
): Promise<Rehearsal> {
  const model = options.awsModel;
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const work = await mkdtemp(join(tmpdir(), "rez-rehearsal-"));
    cleanups.push(() => rm(work, { recursive: true, force: true }));

    // The upstreams: the same simulators as `npm start -- --upstreams simulated`.
    const courses = JSON.parse(await readFile(SAMPLE_COURSES, "utf8")) as {
      courses: Record<string, unknown>[];
    };
    const course = parseCourses(courses).find((parsed) => parsed.golf);
    const site = courses.courses.find((raw) => raw.id === course?.id);
    if (!course?.golf || !site) throw new Error("The sample courses have no CPS Golf site");
    const golf = await startGolfSimulator({
      courseName: course.name,
      timeZone: course.timeZone,
      courseIds: course.golf.courseIds,
      clientId: course.golf.clientId,
      classCode: course.golf.classCode,
      memberStoreId: course.golf.memberStoreId,
      bookingWindowDays: course.golf.bookingWindowDays,
      steps: course.golf.bookingSteps,
      ...(course.golf.websiteId ? { websiteId: course.golf.websiteId } : {}),
      ...(model ? { oneWayMs: model.ms("siteOneWayMs") } : {}),
      golfers: [DEMO_GOLFER, REHEARSAL_GOLFER.site],
      ...options.golfSite,
    });
    const ntfy = await startNtfySimulator();
    const nws = await startNwsSimulator();
    const openMeteo = await startOpenMeteoSimulator();
    cleanups.push(golf.close, ntfy.close, nws.close, openMeteo.close);
    site.origin = golf.url;
    const coursesFile = join(work, "courses.json");
    await writeFile(coursesFile, JSON.stringify(courses));

    // Synthesis, as `npm run synth` does it (cdk-nag included), for a stage pointed at the simulators.
    log("synthesizing the stack ...");
    const outdir = join(work, "cdk.out");
    const app = new App({ outdir });
    const config = parseStageConfig(
      "rehearsal",
      {
        coursesFile,
        ntfyBaseUrl: ntfy.url,
        ntfyTopic: "rehearsal-topic",
        // Short, so a slow call is answered by handle within the session.
        syncBudgetSeconds: 2,
        golfers: [REHEARSAL_GOLFER.id],
        allowedOrigins: [REHEARSAL_ORIGIN],
        weatherEndpoints: {
          nwsBaseUrl: nws.url,
          geocodingBaseUrl: openMeteo.url,
          openMeteoBaseUrl: openMeteo.url,
        },
      },
      (path) => path,
    );
    const stack = new RezAgentMcpStack(app, STACK_NAME, { config, env: { region: REGION } });
    acknowledgeNagFindings(stack);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
    const assembly = readAssembly(outdir, STACK_NAME);

    // DynamoDB: dynalite with the template's tables.
    const dynamo = await startLocalDynamo(join(work, "dynamodb"));
    cleanups.push(dynamo.close);
    for (const table of assembly.tables) {
      const input: CreateTableCommandInput = {
        TableName: table.name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: table.keySchema as never,
        AttributeDefinitions: table.attributeDefinitions as never,
      };
      if (table.globalSecondaryIndexes) input.GlobalSecondaryIndexes = table.globalSecondaryIndexes as never;
      await dynamo.client.send(new CreateTableCommand(input));
    }

    // The AWS APIs, the functions and the state machines.
    // Secrets Manager finds a secret by its ARN or its name (a golfer's secret is read by name).
    const secrets = new Map<string, string>();
    const fill = (secret: Assembly["secrets"][number], value: string) => {
      secrets.set(secret.arn, value);
      if (secret.name) secrets.set(secret.name, value);
    };
    for (const secret of assembly.secrets) fill(secret, secret.initial);
    // What the operator does after deploying: fill the secrets with the golfers' sign-ins.
    const signIn = (golfer: { username: string; password: string }) => ({
      default: { username: golfer.username, password: golfer.password },
    });
    const golfSecret = assembly.secrets.find((secret) => secret.arn.includes("CpsGolf"));
    if (golfSecret) fill(golfSecret, JSON.stringify(signIn(DEMO_GOLFER)));
    const golferSecret = assembly.secrets.find((secret) => secret.name?.endsWith(`/${REHEARSAL_GOLFER.id}`));
    if (golferSecret) {
      fill(
        golferSecret,
        JSON.stringify({ golf: signIn(REHEARSAL_GOLFER.site), ntfyTopic: REHEARSAL_GOLFER.ntfyTopic }),
      );
    }
    const events: BusEvent[] = [];
    const deadLetters: Rehearsal["deadLetters"] = [];
    const onError = (error: unknown) => log(`error: ${(error as Error).message}`);
    const projectBus = new LocalEventBus({ eventsFile: join(work, "events.jsonl"), onError });
    const defaultBus = new LocalEventBus({ onError });
    const machines: Parameters<typeof startStandIns>[0]["machines"] = {};
    const standIns = await startStandIns({
      machines,
      buses: { default: defaultBus, [assembly.busName]: projectBus },
      secrets,
    });
    cleanups.push(standIns.close);
    const awsEnvironment = {
      AWS_ENDPOINT_URL_SFN: standIns.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: standIns.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: standIns.url,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: standIns.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    };
    const hosts = assembly.functions.map((spec) => new LambdaHost(spec, awsEnvironment, model));
    cleanups.push(async () => {
      await Promise.all(hosts.map((host) => host.close()));
    });
    const hostByArn = new Map(hosts.map((host, index) => [assembly.functions[index]?.arn, host]));
    const host = (arn: string) => {
      const found = hostByArn.get(arn);
      if (!found) throw new Error(`No function ${arn} in the template`);
      return found;
    };
    // EventBridge invokes a rule's Lambda target asynchronously: Lambda tries it 3 times, then sends the event to
    // the function's on-failure destination (the dead-letter queue).
    const invokeAsync = async (rule: string, arn: string, event: unknown) => {
      let last: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await host(arn).invoke(event);
          return;
        } catch (error) {
          last = error;
        }
      }
      deadLetters.push({
        rule,
        error: last instanceof LambdaFailure ? `${last.name}: ${last.message}` : String(last),
      });
    };
    projectBus.addRule({ name: "record", pattern: {}, target: async (event) => void events.push(event) });
    const schedules: { rule: string; arns: string[] }[] = [];
    for (const rule of assembly.rules) {
      if (rule.schedule) {
        schedules.push({ rule: rule.logicalId, arns: rule.targetArns });
        continue;
      }
      const bus =
        rule.busName === undefined ? defaultBus : rule.busName === assembly.busName ? projectBus : undefined;
      if (!bus) throw new Error(`Rule ${rule.logicalId} is on an unknown bus ${rule.busName}`);
      bus.addRule({
        name: rule.logicalId,
        pattern: rule.eventPattern as EventPattern,
        target: async (event) => {
          await Promise.all(rule.targetArns.map((arn) => invokeAsync(rule.logicalId, arn, event)));
        },
      });
    }
    const express = assembly.stateMachines.find((machine) => machine.type === "EXPRESS");
    const scheduled = assembly.stateMachines.find((machine) => /Scheduled/.test(machine.logicalId));
    const standard = assembly.stateMachines.find(
      (machine) => machine.type === "STANDARD" && machine !== scheduled,
    );
    if (!express || !standard || !scheduled) {
      throw new Error(
        "The template needs the tool-call machine (STANDARD and EXPRESS) and the scheduled-booking one",
      );
    }
    const arns = { standard: standard.arn, express: express.arn, scheduled: scheduled.arn };
    for (const spec of assembly.stateMachines) {
      const kind = spec === scheduled ? "scheduled" : spec === express ? "express" : "standard";
      const histories = new LocalExecutionHistories(join(work, `executions-${spec.logicalId}`));
      const workflow = new LocalWorkflow({
        histories,
        // Each runner runs its own machine's definition, whichever kind a start names.
        definitionText: spec.definitionText,
        scheduledDefinitionText: spec.definitionText,
        substitutions: spec.substitutions,
        // The stand-in starts every STANDARD machine as "standard": each runner's standard ARN is its own.
        stateMachineArns: { ...arns, standard: spec.type === "STANDARD" ? spec.arn : standard.arn },
        functions: Object.fromEntries(
          assembly.functions.map((fn) => [fn.arn, (payload: JsonObject) => host(fn.arn).invoke(payload)]),
        ),
        dynamodb: dynamo.client,
        bus: projectBus,
        // No in-process change signal: the front learns of completion by reading the table, as on AWS.
        onItemWritten: () => {},
        // Step Functions' own status-change event, on the default bus.
        onStandardEnded: async (input, state) => {
          await defaultBus.putEvents([
            {
              Source: "aws.states",
              DetailType: "Step Functions Execution Status Change",
              Detail: {
                executionArn: workflow.executionId(input.requestId, kind),
                stateMachineArn: spec.arn,
                name: input.requestId,
                status: state.status,
              },
            },
          ]);
        },
        retryDelayMs: 20,
        ...(model
          ? {
              taskDelay: async ({ resource, afterWait }: { resource: string; afterWait: boolean }) => {
                await model.delay("stateTransitionMs");
                if (afterWait) await model.delay("waitLateMs");
                if (resource.includes(":dynamodb:")) await model.delay("dynamoDbMs");
                if (resource.includes(":events:")) await model.delay("eventBridgePutMs");
                // A Lambda task's invoke and cold start are the function host's to model.
              },
            }
          : {}),
        onError,
      });
      machines[spec.arn] = {
        type: spec.type === "EXPRESS" ? "EXPRESS" : "STANDARD",
        workflow,
        histories,
        ...(spec.logging ? { logging: spec.logging } : {}),
      };
      cleanups.push(async () => {
        await workflow.drain(0);
      });
    }

    // API Gateway: the REST API's stage, its API keys required on every method, the calling key's id passed on.
    const keyIds = new Map(assembly.api.apiKeyIds.map((id) => [randomBytes(20).toString("hex"), id]));
    const keyValueOf = (keyId: string) => [...keyIds].find(([, id]) => id === keyId)?.[0] as string;
    const apiKey = keyValueOf(assembly.api.apiKeyId);
    const front = host(assembly.api.frontArn);
    const stagePrefix = `/${assembly.api.stageName}`;
    const api = createServer(async (request, response) => {
      const body = await readAll(request);
      const url = new URL(request.url ?? "/", "http://localhost");
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { "content-type": "application/json", ...headers });
        response.end(typeof payload === "string" ? payload : JSON.stringify(payload));
      };
      // Only the template's resources and methods exist; a key is checked, and its id passed on, where required.
      const method = url.pathname.startsWith(`${stagePrefix}/`)
        ? matchMethod(assembly.api.methods, url.pathname.slice(stagePrefix.length), request.method ?? "GET")
        : undefined;
      if (!method) return reply(403, { message: "Missing Authentication Token" });
      const keyId = method.apiKeyRequired
        ? keyIds.get(String(request.headers["x-api-key"] ?? ""))
        : undefined;
      if (method.apiKeyRequired && !keyId)
        return reply(assembly.api.invalidApiKey.status, assembly.api.invalidApiKey.body);
      try {
        const result = (await front.invoke(proxyEvent(request, url, body, keyId ?? ""))) as {
          statusCode: number;
          headers?: Record<string, string>;
          body?: string;
        };
        reply(result.statusCode, result.body ?? "", result.headers ?? {});
      } catch (error) {
        reply(502, { message: "Internal server error" }, { "x-amzn-errortype": (error as Error).name });
      }
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          api.close(() => resolve());
          api.closeAllConnections();
        }),
    );
    const endpoint = `http://127.0.0.1:${(api.address() as AddressInfo).port}${stagePrefix}/mcp`;

    return {
      endpoint,
      apiKey,
      golferKeys: {
        [REHEARSAL_GOLFER.id]: keyValueOf(
          assembly.api.apiKeyIds.find((id) => id.startsWith(`ApiKey${pascalCase(REHEARSAL_GOLFER.id)}`)) ??
            "",
        ),
      },
      assembly,
      dynamoEndpoint: dynamo.endpoint,
      stepFunctionsEndpoint: standIns.url,
      hosts,
      simulators: { golf, ntfy, nws, openMeteo },
      events,
      deadLetters,
      putDefaultEvent: async (entry) => {
        await defaultBus.putEvents([
          { Source: entry.source, DetailType: entry.detailType, Detail: entry.detail },
        ]);
      },
      fireSchedules: async () => {
        for (const schedule of schedules) {
          const event = {
            version: "0",
            id: randomUUID(),
            "detail-type": "Scheduled Event",
            source: "aws.events",
            account: ACCOUNT,
            time: new Date().toISOString(),
            region: REGION,
            resources: [],
            detail: {},
          };
          await Promise.all(schedule.arns.map((arn) => invokeAsync(schedule.rule, arn, event)));
        }
      },
      settle: async () => {
        await defaultBus.flush();
        await projectBus.flush();
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
