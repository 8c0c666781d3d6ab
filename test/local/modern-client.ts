import { KEY } from "./harness.ts";

/** MCP 2026-07-28 as a plain-fetch client speaks it: no initialize, `_meta` and mirrored headers on every request. */

export const VERSION = "2026-07-28";

/** The `_meta` every request carries, with the client capabilities given. */
export const metaWith = (clientCapabilities: Record<string, unknown>) => ({
  "io.modelcontextprotocol/protocolVersion": VERSION,
  "io.modelcontextprotocol/clientInfo": { name: "plain-fetch", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": clientCapabilities,
});

export const META = metaWith({});
/** A client that takes tasks. */
export const TASKS = metaWith({ extensions: { "io.modelcontextprotocol/tasks": {} } });
/** A client that can ask its user (elicitation, form mode). */
export const ELICITS = metaWith({ elicitation: {} });

/**
 * Requests to one MCP endpoint (read when each is sent: a harness may restart): a modern request has its method (and
 * name) mirrored into headers, unless `headers` says otherwise.
 */
export function modernClient(endpoint: () => string) {
  return async function modern(
    method: string,
    params: Record<string, unknown> = {},
    headers: Record<string, string | null> = {},
    meta: Record<string, unknown> | null = META,
  ) {
    const name = (params.name ?? params.uri ?? params.taskId) as string | undefined;
    const sent: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "x-api-key": KEY,
      "mcp-protocol-version": VERSION,
      "mcp-method": method,
      ...(name ? { "mcp-name": name } : {}),
    };
    for (const [header, value] of Object.entries(headers)) {
      if (value === null) delete sent[header];
      else sent[header] = value;
    }
    const response = await fetch(endpoint(), {
      method: "POST",
      headers: sent,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method,
        params: meta ? { ...params, _meta: meta } : params,
      }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON answers' fields freely
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
}
