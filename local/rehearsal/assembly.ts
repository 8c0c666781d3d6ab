import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A synthesized cloud assembly (cdk.out), read the way CloudFormation and the services read it: the template's
 * resources with every Ref, GetAtt, Join and Sub resolved to the rehearsal's local stand-ins, and each function's
 * and state machine's asset found through the asset manifest.
 */

export const REGION = "us-east-1";
export const ACCOUNT = "000000000000";

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface FunctionSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** The asset folder: index.mjs and its source map. */
  bundleDir: string;
  handler: string;
  environment: Record<string, string>;
  memorySize: number;
  timeoutSeconds: number;
}

export interface StateMachineSpec {
  logicalId: string;
  arn: string;
  type: "STANDARD" | "EXPRESS";
  /** The definition as uploaded, placeholders and all. */
  definitionText: string;
  substitutions: Record<string, string>;
  /** Where its executions are logged (the log group's name), at which level, and whether with their data. */
  logging?: { logGroup: string; level: string; includeExecutionData: boolean };
}

export interface TableSpec {
  logicalId: string;
  name: string;
  keySchema: unknown[];
  attributeDefinitions: unknown[];
  globalSecondaryIndexes?: unknown[];
}

export interface RuleSpec {
  logicalId: string;
  /** undefined: the account's default bus (Step Functions' own events arrive there). */
  busName?: string;
  eventPattern?: Record<string, unknown>;
  schedule?: string;
  targetArns: string[];
}

export interface Assembly {
  functions: FunctionSpec[];
  stateMachines: StateMachineSpec[];
  tables: TableSpec[];
  rules: RuleSpec[];
  busName: string;
  /** Each secret: its ARN, its name when the stack gives it one (a golfer's, found by name), its first value. */
  secrets: { arn: string; name?: string; initial: string }[];
  api: {
    stageName: string;
    apiKeyId: string;
    /** Every API key's id (the first is apiKeyId): each golfer of the stage has one. */
    apiKeyIds: string[];
    /** The REST API's methods: each path (with `{id}` parameters), verb, and whether it needs a key. */
    methods: ApiMethod[];
    frontArn: string;
    /** What API Gateway answers a missing or wrong key: the stack's INVALID_API_KEY response, or its default. */
    invalidApiKey: { status: number; body: string };
  };
}

const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

/** What Ref and GetAtt give for each kind of resource, as the rehearsal names them. */
function attributesOf(logicalId: string, type: string): { ref: string; attributes: Record<string, string> } {
  switch (type) {
    case "AWS::DynamoDB::Table": {
      const name = `rehearsal-${logicalId}`;
      return { ref: name, attributes: { Arn: arn("dynamodb", `table/${name}`) } };
    }
    case "AWS::Lambda::Function":
      return { ref: logicalId, attributes: { Arn: arn("lambda", `function:${logicalId}`) } };
    case "AWS::StepFunctions::StateMachine":
      return {
        ref: arn("states", `stateMachine:${logicalId}`),
        attributes: { Name: logicalId, Arn: arn("states", `stateMachine:${logicalId}`) },
      };
    case "AWS::Events::EventBus":
      return {
        ref: `rehearsal-${logicalId}`,
        attributes: { Arn: arn("events", `event-bus/rehearsal-${logicalId}`) },
      };
    case "AWS::SecretsManager::Secret":
      return { ref: arn("secretsmanager", `secret:${logicalId}`), attributes: {} };
    case "AWS::SQS::Queue":
      return { ref: `http://sqs.local/${logicalId}`, attributes: { Arn: arn("sqs", logicalId) } };
    default:
      return { ref: logicalId, attributes: { Arn: arn("local", logicalId) } };
  }
}

/** Resolves CloudFormation's intrinsic functions against the rehearsal's names. */
export function resolver(resources: Record<string, Resource>) {
  const pseudo: Record<string, string> = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "rehearsal",
  };
  const refOf = (name: string): string => {
    if (name in pseudo) return pseudo[name] as string;
    const resource = resources[name];
    if (!resource) throw new Error(`Ref to unknown resource ${name}`);
    return attributesOf(name, resource.Type).ref;
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value !== "object" || value === null) return value;
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const argument = object[key];
      switch (key) {
        case "Ref":
          return refOf(argument as string);
        case "Fn::GetAtt": {
          const [id, attribute] = argument as [string, string];
          const resource = resources[id];
          if (!resource) throw new Error(`GetAtt of unknown resource ${id}`);
          const resolved = attributesOf(id, resource.Type).attributes[attribute];
          if (resolved === undefined) throw new Error(`GetAtt ${id}.${attribute} has no rehearsal value`);
          return resolved;
        }
        case "Fn::Join": {
          const [separator, parts] = argument as [string, unknown[]];
          return parts.map((part) => String(resolve(part))).join(separator);
        }
        case "Fn::Sub":
          return String(typeof argument === "string" ? argument : (argument as [string])[0]).replace(
            /\$\{([\w:.]+)\}/g,
            (_, name: string) => refOf(name),
          );
      }
    }
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}

/** Reads the stack `stackName` of the assembly in `outdir`. */
export function readAssembly(outdir: string, stackName: string): Assembly {
  const template = JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), "utf8")) as {
    Resources: Record<string, Resource>;
  };
  const manifest = JSON.parse(readFileSync(join(outdir, `${stackName}.assets.json`), "utf8")) as {
    files: Record<string, { source: { path: string } }>;
  };
  const assetPath = (key: string) => {
    const file = manifest.files[key.replace(/\.(zip|json)$/, "")];
    if (!file) throw new Error(`No asset for ${key}`);
    return join(outdir, file.source.path);
  };
  const resources = template.Resources;
  const resolve = resolver(resources);
  const of = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const props = (resource: Resource) => (resolve(resource.Properties ?? {}) as Record<string, unknown>) ?? {};

  const functions = of("AWS::Lambda::Function").map(([logicalId, resource]): FunctionSpec => {
    const raw = resource.Properties as { Code: { S3Key: string } };
    const properties = props(resource) as {
      Handler: string;
      Environment?: { Variables?: Record<string, string> };
      MemorySize?: number;
      Timeout?: number;
    };
    const { ref, attributes } = attributesOf(logicalId, resource.Type);
    return {
      logicalId,
      name: ref,
      arn: attributes.Arn as string,
      bundleDir: assetPath(raw.Code.S3Key),
      handler: properties.Handler,
      environment: properties.Environment?.Variables ?? {},
      memorySize: properties.MemorySize ?? 128,
      timeoutSeconds: properties.Timeout ?? 3,
    };
  });
  const stateMachines = of("AWS::StepFunctions::StateMachine").map(([logicalId, resource]) => {
    const raw = resource.Properties as {
      DefinitionS3Location: { Key: string };
      LoggingConfiguration?: {
        Level?: string;
        IncludeExecutionData?: boolean;
        Destinations?: { CloudWatchLogsLogGroup?: { LogGroupArn?: { "Fn::GetAtt"?: [string, string] } } }[];
      };
    };
    const properties = props(resource) as {
      StateMachineType?: "STANDARD" | "EXPRESS";
      DefinitionSubstitutions?: Record<string, string>;
    };
    const spec: StateMachineSpec = {
      logicalId,
      arn: attributesOf(logicalId, resource.Type).ref,
      type: properties.StateMachineType ?? "STANDARD",
      definitionText: readFileSync(assetPath(raw.DefinitionS3Location.Key), "utf8"),
      substitutions: properties.DefinitionSubstitutions ?? {},
    };
    const logging = raw.LoggingConfiguration;
    const group = logging?.Destinations?.[0]?.CloudWatchLogsLogGroup?.LogGroupArn?.["Fn::GetAtt"]?.[0];
    if (logging && group) {
      spec.logging = {
        logGroup: attributesOf(group, "AWS::Logs::LogGroup").ref,
        level: logging.Level ?? "OFF",
        includeExecutionData: logging.IncludeExecutionData === true,
      };
    }
    return spec;
  });
  const tables = of("AWS::DynamoDB::Table").map(([logicalId, resource]) => {
    const properties = props(resource) as {
      KeySchema: unknown[];
      AttributeDefinitions: unknown[];
      GlobalSecondaryIndexes?: unknown[];
    };
    const table: TableSpec = {
      logicalId,
      name: attributesOf(logicalId, resource.Type).ref,
      keySchema: properties.KeySchema,
      attributeDefinitions: properties.AttributeDefinitions,
    };
    if (properties.GlobalSecondaryIndexes) table.globalSecondaryIndexes = properties.GlobalSecondaryIndexes;
    return table;
  });
  const rules = of("AWS::Events::Rule").map(([logicalId, resource]) => {
    const properties = props(resource) as {
      EventBusName?: string;
      EventPattern?: Record<string, unknown>;
      ScheduleExpression?: string;
      Targets: { Arn: string }[];
    };
    const rule: RuleSpec = { logicalId, targetArns: properties.Targets.map((target) => target.Arn) };
    if (properties.EventBusName) rule.busName = properties.EventBusName;
    if (properties.EventPattern) rule.eventPattern = properties.EventPattern;
    if (properties.ScheduleExpression) rule.schedule = properties.ScheduleExpression;
    return rule;
  });
  const [busId, bus] = of("AWS::Events::EventBus")[0] ?? [];
  const [, stage] = of("AWS::ApiGateway::Stage")[0] ?? [];
  const [keyId, key] = of("AWS::ApiGateway::ApiKey")[0] ?? [];
  const methods = of("AWS::ApiGateway::Method");
  const integrationUri = JSON.stringify(resolve(methods[0]?.[1].Properties?.Integration));
  const front = functions.find((fn) => integrationUri.includes(fn.arn));
  if (!busId || !bus || !stage || !keyId || !key || !front) {
    throw new Error("The template lacks the bus, the API stage, its key or the front function");
  }
  return {
    functions,
    stateMachines,
    tables,
    rules,
    busName: attributesOf(busId, bus.Type).ref,
    secrets: of("AWS::SecretsManager::Secret").map(([logicalId, resource]) => {
      const properties = resource.Properties as {
        SecretString?: string;
        Name?: string;
        GenerateSecretString?: unknown;
      };
      return {
        arn: attributesOf(logicalId, resource.Type).ref,
        ...(properties.Name ? { name: properties.Name } : {}),
        // A generated secret (the confirmation key) is random, as Secrets Manager makes it.
        initial: properties.GenerateSecretString
          ? randomBytes(32).toString("hex")
          : String(properties.SecretString ?? ""),
      };
    }),
    api: {
      stageName: String((stage.Properties as { StageName: string }).StageName),
      apiKeyId: keyId,
      apiKeyIds: of("AWS::ApiGateway::ApiKey").map(([id]) => id),
      methods: apiMethods(resources, methods),
      frontArn: front.arn,
      invalidApiKey: gatewayResponse(of("AWS::ApiGateway::GatewayResponse"), "INVALID_API_KEY") ?? {
        status: 403,
        body: JSON.stringify({ message: "Forbidden" }),
      },
    },
  };
}

export interface ApiMethod {
  /** The resource's path below the stage, `{name}` for a path parameter: `/mcp/status/{id}`. */
  path: string;
  /** GET, POST, ... or ANY. */
  httpMethod: string;
  apiKeyRequired: boolean;
}

/** The template's API methods with their resources' full paths (each resource names its parent and its part). */
export function apiMethods(
  resources: Record<string, Resource>,
  methods: [string, { Properties?: Record<string, unknown> }][],
): ApiMethod[] {
  const pathOf = (reference: unknown): string => {
    const ref = (reference as { Ref?: string }).Ref;
    // The root resource is the API's RootResourceId attribute.
    if (!ref) return "";
    const resource = resources[ref]?.Properties as { ParentId: unknown; PathPart: string } | undefined;
    if (!resource) throw new Error(`An API method's resource ${ref} is not in the template`);
    return `${pathOf(resource.ParentId)}/${resource.PathPart}`;
  };
  return methods.map(([, method]) => ({
    path: pathOf(method.Properties?.ResourceId) || "/",
    httpMethod: String(method.Properties?.HttpMethod),
    apiKeyRequired: method.Properties?.ApiKeyRequired === true,
  }));
}

/** The method of `methods` a request reaches, as API Gateway picks it: its path and verb, else its ANY. */
export function matchMethod(
  methods: readonly ApiMethod[],
  path: string,
  verb: string,
): ApiMethod | undefined {
  const fits = methods.filter((method) => {
    const pattern = method.path
      .split("/")
      .map((part) =>
        /^\{\w+\+\}$/.test(part)
          ? ".+"
          : /^\{\w+\}$/.test(part)
            ? "[^/]+"
            : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"),
      )
      .join("/");
    return new RegExp(`^${pattern}/?$`).test(path);
  });
  // A static path part wins over a parameter, as in API Gateway: /console/api is not /console/{asset}.
  const statics = (method: ApiMethod) =>
    method.path.split("/").filter((part) => !part.startsWith("{")).length;
  const best = Math.max(...fits.map(statics));
  const chosen = fits.filter((method) => statics(method) === best);
  return (
    chosen.find((method) => method.httpMethod === verb) ??
    chosen.find((method) => method.httpMethod === "ANY")
  );
}

/** A gateway response of the template (its status and JSON template), as API Gateway would answer with it. */
function gatewayResponse(
  responses: [string, { Properties?: Record<string, unknown> }][],
  type: string,
): { status: number; body: string } | undefined {
  const found = responses.find(([, response]) => response.Properties?.ResponseType === type)?.[1].Properties;
  if (!found) return undefined;
  const templates = (found.ResponseTemplates ?? {}) as Record<string, string>;
  return { status: Number(found.StatusCode ?? 403), body: templates["application/json"] ?? "" };
}
