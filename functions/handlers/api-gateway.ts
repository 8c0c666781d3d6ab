import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { API_KEY_ID_HEADER } from "../adapters/api-gateway-key.ts";

/**
 * An API Gateway REST proxy event as a web Request, so the Lambda runs the same front handler as the local server.
 * The URL keeps the stage in its path (`/prod/mcp`): status URLs built from it are the public ones.
 */
export function toRequest(event: APIGatewayProxyEvent): Request {
  const headers = new Headers();
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    for (const value of values ?? []) headers.append(name, value);
  }
  if (!event.multiValueHeaders) {
    for (const [name, value] of Object.entries(event.headers ?? {}))
      if (value !== undefined) headers.set(name, value);
  }
  headers.delete(API_KEY_ID_HEADER);
  const keyId = event.requestContext.identity?.apiKeyId;
  if (keyId) headers.set(API_KEY_ID_HEADER, keyId);

  const host = event.requestContext.domainName ?? headers.get("host") ?? "localhost";
  const url = new URL(`https://${host}${event.requestContext.path ?? event.path}`);
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    for (const value of values ?? []) url.searchParams.append(name, value);
  }
  const hasBody =
    event.body !== null && event.body !== undefined && !["GET", "HEAD"].includes(event.httpMethod);
  return new Request(url, {
    method: event.httpMethod,
    headers,
    ...(hasBody
      ? { body: event.isBase64Encoded ? Buffer.from(event.body as string, "base64") : event.body }
      : {}),
  });
}

/** A web Response as API Gateway's proxy result (text bodies: the front only answers JSON). */
export async function toProxyResult(response: Response): Promise<APIGatewayProxyResult> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { statusCode: response.status, headers, body: await response.text() };
}
