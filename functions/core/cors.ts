/**
 * CORS for the browser origins the operator allows (a web client, claude.ai's connector UI): a preflight is
 * answered without the key (browsers send none with it), and every answer to an allowed origin says so. Any other
 * origin is refused by the front before anything else (DNS rebinding, streamable-http "Security").
 */

/** What a browser may send: the MCP headers of both eras, the key, and an Idempotency-Key. */
const ALLOWED_HEADERS = [
  "content-type",
  "accept",
  "x-api-key",
  "mcp-protocol-version",
  "mcp-method",
  "mcp-name",
  "idempotency-key",
  "last-event-id",
].join(", ");

/** The answer to a preflight from an allowed origin. */
export function preflightAnswer(origin: string): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "POST, GET, OPTIONS",
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
      vary: "Origin",
    },
  });
}

/** An answer to an allowed origin, readable by its page. */
export function withCors(response: Response, origin: string | null): Response {
  if (origin === null) return response;
  const headers = new Headers(response.headers);
  headers.set("access-control-allow-origin", origin);
  headers.append("vary", "Origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
