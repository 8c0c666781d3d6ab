import { CfnOutput, RemovalPolicy } from "aws-cdk-lib";
import {
  AccessLogFormat,
  ApiKey,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  type RequestValidator,
  ResponseType,
  RestApi,
} from "aws-cdk-lib/aws-apigateway";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type LogGroupProps } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import type { GolferKey } from "../functions/adapters/api-gateway-key.ts";
import { DEFAULT_GOLFER } from "../functions/core/golfers.ts";
import { KEY_MESSAGES, keyRefusalBody } from "../functions/core/key-refusal.ts";
import { pascalCase } from "../functions/tools/manifest.ts";
import type { StageConfig } from "./config.ts";

/**
 * The MCP endpoint: a REST API whose every route reaches the front (API keys required, a usage plan per key), with
 * access logs; POST /mcp, GET /mcp/status/{id}, POST /mcp/status/{id}/cancel, GET /mcp/status/{id}/history, and the
 * console under /console.
 */
export function mcpApi(
  scope: Construct,
  config: StageConfig,
  front: IFunction,
  logs: Pick<LogGroupProps, "retention" | "removalPolicy">,
): { api: RestApi; key: ApiKey; golferKeys: GolferKey[] } {
  const accessLogs = new LogGroup(scope, "ApiAccessLogs", logs);
  const api = new RestApi(scope, "Api", {
    description: "rez-agent-mcp: MCP over HTTP",
    // Access logs need the account's API Gateway CloudWatch role; a stage can leave it to an account that has one.
    cloudWatchRole: config.apiGatewayCloudWatchRole,
    // The role is the account's: it stays when this stack goes, for the account's other APIs.
    ...(config.apiGatewayCloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
    deployOptions: {
      stageName: config.stage,
      tracingEnabled: true,
      throttlingRateLimit: config.usagePlan.rateLimit * 10,
      throttlingBurstLimit: config.usagePlan.burstLimit * 10,
      accessLogDestination: new LogGroupLogDestination(accessLogs),
      accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      loggingLevel: MethodLoggingLevel.OFF,
    },
    defaultMethodOptions: { apiKeyRequired: true },
    // Claude's connectors and clients everywhere reach it directly: no CloudFront edge in between.
    endpointConfiguration: { types: [EndpointType.REGIONAL] },
  });
  const integration = new LambdaIntegration(front, { proxy: true });
  const requestValidator = api.addRequestValidator("Validator", {
    validateRequestParameters: true,
    validateRequestBody: true,
  });
  const withId = { requestValidator, requestParameters: { "method.request.path.id": true } };
  const mcp = api.root.addResource("mcp");
  // Every method reaches the front, which answers GET and DELETE /mcp with 405 as MCP expects.
  mcp.addMethod("ANY", integration, { requestValidator });
  const status = mcp.addResource("status").addResource("{id}");
  status.addMethod("GET", integration, withId);
  const cancel = status.addResource("cancel");
  cancel.addMethod("POST", integration, withId);
  status.addResource("history").addMethod("GET", integration, withId);
  // A browser's CORS preflight carries no key: the front answers it for the stage's allowed origins only.
  for (const resource of [mcp, status, cancel]) {
    resource.addMethod("OPTIONS", integration, { apiKeyRequired: false });
  }
  consoleRoutes(api, integration, requestValidator);

  // A missing or wrong key reads as one in every MCP client (functions/core/key-refusal.ts), as from the front.
  api.addGatewayResponse("InvalidApiKey", {
    type: ResponseType.INVALID_API_KEY,
    statusCode: "403",
    templates: { "application/json": JSON.stringify(keyRefusalBody(KEY_MESSAGES.either)) },
  });
  const key = new ApiKey(scope, "ApiKey", { description: "rez-agent-mcp: the first client's key" });
  const plan = api.addUsagePlan("UsagePlan", {
    description: "Per-key limits",
    throttle: { rateLimit: config.usagePlan.rateLimit, burstLimit: config.usagePlan.burstLimit },
    quota: { limit: config.usagePlan.quotaPerDay, period: Period.DAY },
  });
  plan.addApiStage({ stage: api.deploymentStage });
  plan.addApiKey(key);
  // The first key is the operator's, the default golfer's; each named golfer gets a key bound to it.
  const golferKeys: GolferKey[] = [{ keyId: key.keyId, golfer: DEFAULT_GOLFER }];
  for (const golfer of config.golfers) {
    const id = `ApiKey${pascalCase(golfer)}`;
    const golferKey = new ApiKey(scope, id, { description: `rez-agent-mcp: golfer ${golfer}'s key` });
    plan.addApiKey(golferKey);
    golferKeys.push({ keyId: golferKey.keyId, golfer });
    new CfnOutput(scope, `${id}Id`, { value: golferKey.keyId, description: `Golfer ${golfer}'s API key id` });
  }
  return { api, key, golferKeys };
}

/**
 * The web console (functions/core/console/): its page and data need no API key at the edge, as a browser cannot
 * send one on a page load; the front requires its session cookie instead. Signing in is the one route that takes
 * the key, which API Gateway checks (and passes on as the key id) as on every MCP route.
 */
function consoleRoutes(api: RestApi, integration: LambdaIntegration, requestValidator: RequestValidator) {
  const open = { apiKeyRequired: false };
  const withParameter = (name: string) => ({
    ...open,
    requestValidator,
    requestParameters: { [`method.request.path.${name}`]: true },
  });
  const root = api.root.addResource("console");
  root.addMethod("GET", integration, open);
  root.addResource("{asset}").addMethod("GET", integration, withParameter("asset"));
  const data = root.addResource("api");
  const session = data.addResource("session");
  session.addMethod("POST", integration, { apiKeyRequired: true });
  session.addMethod("GET", integration, open);
  session.addMethod("DELETE", integration, open);
  const requests = data.addResource("requests");
  requests.addMethod("GET", integration, open);
  const request = requests.addResource("{id}");
  request.addMethod("GET", integration, withParameter("id"));
  request.addResource("cancel").addMethod("POST", integration, withParameter("id"));
  data.addResource("machines").addResource("{name}").addMethod("GET", integration, withParameter("name"));
}
