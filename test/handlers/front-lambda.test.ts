import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_ID_HEADER, ApiGatewayKeyAuthenticator } from "../../functions/adapters/api-gateway-key.ts";
import { toRequest } from "../../functions/handlers/api-gateway.ts";
import { createFrontLambda } from "../../functions/handlers/front.ts";
import { type Harness, KEY, MCP_HEADERS, startHarness } from "../local/harness.ts";

/** The front Lambda answers API Gateway REST proxy events exactly as the local server answers the same requests. */

let harness: Harness;
let lambda: ReturnType<typeof createFrontLambda>;
let host: string;

beforeAll(async () => {
  harness = await startHarness();
  lambda = createFrontLambda(harness.runtime.front.handle);
  host = new URL(harness.runtime.url).host;
});
afterAll(() => harness.close());

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  query?: Record<string, string>;
  base64?: boolean;
}

/** A REST proxy event as API Gateway builds it (the shape of @types/aws-lambda), with overridable defaults. */
function restEvent(sent: Sent, apiKeyId = "key-alice"): APIGatewayProxyEvent {
  const headers = { Host: host, "X-Forwarded-Proto": "https", ...sent.headers };
  return {
    resource: sent.path.startsWith("/mcp/status") ? "/mcp/status/{id}" : "/mcp",
    path: sent.path,
    httpMethod: sent.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: sent.query ?? null,
    multiValueQueryStringParameters: sent.query
      ? Object.fromEntries(Object.entries(sent.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: null,
    stageVariables: null,
    body:
      sent.body === undefined ? null : sent.base64 ? Buffer.from(sent.body).toString("base64") : sent.body,
    isBase64Encoded: Boolean(sent.base64),
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: sent.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: KEY,
        apiKeyId,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "203.0.113.9",
        user: null,
        userAgent: "rez-agent-mcp-bridge",
        userArn: null,
      },
      domainName: host,
      path: sent.path,
      stage: "prod",
      requestId: "req-1",
      requestTimeEpoch: Date.now(),
      resourceId: "res",
      resourcePath: "/mcp",
    },
  } as APIGatewayProxyEvent;
}

/** Request ids differ between two calls; everything else must not. */
const normalized = (body: string) =>
  body
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
    .replace(/"\d{4}-\d\d-\d\dT[^"]+"/g, '"<time>"');

const rpc = (body: unknown) => JSON.stringify(body);
const initialize = rpc({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
});

describe("the front Lambda", () => {
  it.each<[string, Sent]>([
    ["initialize", { method: "POST", path: "/mcp", headers: MCP_HEADERS, body: initialize }],
    [
      "tools/list",
      {
        method: "POST",
        path: "/mcp",
        headers: MCP_HEADERS,
        body: rpc({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
      },
    ],
    [
      "a tool call",
      {
        method: "POST",
        path: "/mcp",
        headers: MCP_HEADERS,
        body: rpc({
          jsonrpc: "2.0",
          id: 3,
          method: "tools/call",
          params: { name: "get_weather", arguments: { location: "Sample Links" } },
        }),
      },
    ],
    [
      "arguments that fail the schema",
      {
        method: "POST",
        path: "/mcp",
        headers: MCP_HEADERS,
        body: rpc({
          jsonrpc: "2.0",
          id: 4,
          method: "tools/call",
          params: { name: "get_weather", arguments: { days: 9 } },
        }),
      },
    ],
    [
      "a base64-encoded body",
      { method: "POST", path: "/mcp", headers: MCP_HEADERS, body: initialize, base64: true },
    ],
    [
      "a notification",
      {
        method: "POST",
        path: "/mcp",
        headers: MCP_HEADERS,
        body: rpc({ jsonrpc: "2.0", method: "notifications/initialized" }),
      },
    ],
    ["malformed JSON", { method: "POST", path: "/mcp", headers: MCP_HEADERS, body: "{nope" }],
    [
      "a body that is too large",
      { method: "POST", path: "/mcp", headers: MCP_HEADERS, body: `"${"x".repeat(300_000)}"` },
    ],
    [
      "the wrong content type",
      {
        method: "POST",
        path: "/mcp",
        headers: { ...MCP_HEADERS, "content-type": "text/plain" },
        body: initialize,
      },
    ],
    ["GET /mcp", { method: "GET", path: "/mcp" }],
    ["DELETE /mcp", { method: "DELETE", path: "/mcp" }],
    ["an unknown request id", { method: "GET", path: "/mcp/status/0b3f7a52-5c1e-4d6a-9b0e-2f4c8d1e6a7b" }],
    [
      "a malformed wait",
      { method: "GET", path: "/mcp/status/0b3f7a52-5c1e-4d6a-9b0e-2f4c8d1e6a7b", query: { wait: "soon" } },
    ],
    [
      "a browser origin",
      {
        method: "POST",
        path: "/mcp",
        headers: { ...MCP_HEADERS, origin: "https://evil.example" },
        body: initialize,
      },
    ],
  ])("answers %s as the local server does", async (_, sent) => {
    const url = new URL(`${harness.runtime.url}${sent.path}`);
    for (const [k, v] of Object.entries(sent.query ?? {})) url.searchParams.set(k, v);
    const local = await fetch(url, {
      method: sent.method,
      headers: { "x-api-key": KEY, ...sent.headers },
      ...(sent.body === undefined ? {} : { body: sent.body }),
    });
    // Locally the key is x-api-key; on AWS API Gateway checks it and passes its id, which the edge turns into a header.
    const event = restEvent(sent);
    event.multiValueHeaders["x-api-key"] = [KEY];
    const answer = await lambda(event);
    expect(answer.statusCode).toBe(local.status);
    expect(answer.headers?.["content-type"]).toBe(local.headers.get("content-type") ?? undefined);
    expect(normalized(answer.body)).toBe(normalized(await local.text()));
  });
});

describe("the API Gateway edge", () => {
  it("makes the key id API Gateway validated the owner, and drops a client's own copy of that header", async () => {
    const request = toRequest(
      restEvent({ method: "GET", path: "/mcp", headers: { [API_KEY_ID_HEADER]: "someone-else" } }, "key-7"),
    );
    expect(request.headers.get(API_KEY_ID_HEADER)).toBe("key-7");
    expect(await new ApiGatewayKeyAuthenticator().authenticate(request)).toEqual({
      owner: "key-7",
      golfer: "default",
    });
    const unsigned = restEvent(
      { method: "GET", path: "/mcp", headers: { [API_KEY_ID_HEADER]: "forged" } },
      "",
    );
    expect(await new ApiGatewayKeyAuthenticator().authenticate(toRequest(unsigned))).toBeUndefined();
  });

  it("acts as the golfer the stack bound the key to; a key it did not bind has no golf account once golfers are named", async () => {
    const authenticator = new ApiGatewayKeyAuthenticator([
      { keyId: "key-0", golfer: "default" },
      { keyId: "key-7", golfer: "alice" },
    ]);
    const as = (keyId: string) =>
      authenticator.authenticate(toRequest(restEvent({ method: "GET", path: "/mcp" }, keyId)));
    expect(await as("key-7")).toEqual({ owner: "key-7", golfer: "alice" });
    expect(await as("key-0")).toEqual({ owner: "key-0", golfer: "default" });
    expect(await as("key-9")).toEqual({ owner: "key-9" });
  });

  it("keeps the stage in the URL, so status URLs are the public ones", () => {
    const event = restEvent({ method: "GET", path: "/mcp/status/x", query: { wait: "5" } });
    event.requestContext.path = "/prod/mcp/status/x";
    event.requestContext.domainName = "abc123.execute-api.eu-west-1.amazonaws.com";
    expect(toRequest(event).url).toBe(
      "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/mcp/status/x?wait=5",
    );
  });
});
