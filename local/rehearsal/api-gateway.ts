import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ACCOUNT } from "./assembly.ts";

/** API Gateway's part in the rehearsal: a request read whole and turned into the REST API's Lambda proxy event. */

export function readAll(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** The REST API's Lambda proxy event for a request, as API Gateway builds it. */
export function proxyEvent(request: IncomingMessage, url: URL, body: string, apiKeyId: string) {
  const multiValueHeaders: Record<string, string[]> = {};
  const headers: Record<string, string> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = request.rawHeaders[i + 1] as string;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
    headers[name] = value;
  }
  const query: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) query[name] = [...(query[name] ?? []), value];
  const stage = url.pathname.split("/")[1] ?? "";
  const resourcePath = url.pathname.slice(stage.length + 1);
  return {
    resource: resourcePath,
    path: resourcePath,
    httpMethod: request.method ?? "GET",
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length
      ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v.at(-1)]))
      : null,
    multiValueQueryStringParameters: Object.keys(query).length ? query : null,
    pathParameters: null,
    stageVariables: null,
    body: body.length ? body : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: "rehearsal",
      stage,
      path: url.pathname,
      httpMethod: request.method ?? "GET",
      requestId: randomUUID(),
      domainName: request.headers.host ?? "127.0.0.1",
      identity: { apiKeyId, sourceIp: "127.0.0.1", apiKey: "" },
      resourcePath,
    },
  };
}
