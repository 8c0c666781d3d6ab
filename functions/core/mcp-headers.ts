import { isJsonObject, type JsonObject } from "./json.ts";

/**
 * The HTTP headers a 2026-07-28 request mirrors from its body (streamable-http, "Standard Request Headers" and
 * "Custom Headers from Tool Parameters", SEP-2243): how a client writes them and how a server checks them. The
 * server (modern-mcp.ts) and the stdio bridge (client/bridge-modern.ts) both read this one module.
 */

/**
 * claude.ai's connectors send 2026-07-28 bodies under `MCP-Protocol-Version: 2025-11-25` (anthropics/claude-code
 * #93290). That pair, and only that pair, is served as the body's version.
 */
const CONNECTOR_QUIRK = { header: "2025-11-25", body: "2026-07-28" } as const;

/**
 * The requests whose `Mcp-Name` header mirrors a body field, and which field: the core's (streamable-http,
 * "Standard Request Headers") and the Tasks extension's, which routes by the task id.
 */
export const MCP_NAME_SOURCE = new Map([
  ["tools/call", "name"],
  ["prompts/get", "name"],
  ["resources/read", "uri"],
  ["tasks/get", "taskId"],
  ["tasks/update", "taskId"],
  ["tasks/cancel", "taskId"],
]);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `=?base64?…?=`: a header value carried as the Base64 of its UTF-8 (streamable-http, "Value Encoding"); undefined
 * when the wrapper holds no valid Base64 (bad characters or padding), which is a mismatch.
 */
function decodedHeader(value: string): string | undefined {
  if (!value.startsWith("=?base64?") || !value.endsWith("?=") || value.length < 11) return value;
  const encoded = value.slice(9, -2);
  return BASE64.test(encoded) ? Buffer.from(encoded, "base64").toString("utf8") : undefined;
}

/** A tool parameter mirrored into an `Mcp-Param-{header}` header: where it is in the arguments. */
export interface MirroredParam {
  path: string[];
  header: string;
}

/** The parameters a tool's inputSchema marks with `x-mcp-header`, reached by `properties` alone (SEP-2243). */
export function mirroredParams(definition: { inputSchema: object }): MirroredParam[] {
  const found: MirroredParam[] = [];
  const walk = (schema: unknown, path: string[]) => {
    const properties = isJsonObject(schema) ? schema.properties : undefined;
    if (!isJsonObject(properties)) return;
    for (const [key, property] of Object.entries(properties)) {
      if (!isJsonObject(property)) continue;
      const header = property["x-mcp-header"];
      if (typeof header === "string") found.push({ path: [...path, key], header });
      walk(property, [...path, key]);
    }
  };
  walk(definition.inputSchema, []);
  return found;
}

/** Which mirrored parameter's header disagrees with the arguments, or is missing. */
export function paramMismatch(
  headers: Headers,
  params: readonly MirroredParam[] | undefined,
  body: JsonObject,
): string | undefined {
  for (const { path, header } of params ?? []) {
    let value: unknown = body.arguments;
    for (const key of path) value = isJsonObject(value) ? value[key] : undefined;
    const sent = headers.get(`mcp-param-${header}`);
    if (value === undefined || value === null) {
      if (sent !== null) return `Mcp-Param-${header} is sent but the argument ${path.join(".")} is not`;
      continue;
    }
    if (sent === null) return `the Mcp-Param-${header} header is missing`;
    const decoded = decodedHeader(sent);
    if (decoded === undefined) return `Mcp-Param-${header} holds invalid Base64`;
    if (decoded !== String(value)) {
      return `Mcp-Param-${header} header value '${sent}' does not match body value '${String(value)}'`;
    }
  }
  return undefined;
}

/** Which standard header disagrees with the body, or is missing (streamable-http, "Server Validation"). */
export function headerMismatch(
  headers: Headers,
  method: string,
  params: JsonObject,
  version: string,
): string | undefined {
  const versionHeader = headers.get("mcp-protocol-version");
  if (versionHeader === null) return "the MCP-Protocol-Version header is missing";
  const connector = versionHeader === CONNECTOR_QUIRK.header && version === CONNECTOR_QUIRK.body;
  if (versionHeader !== version && !connector) {
    return `MCP-Protocol-Version header value '${versionHeader}' does not match body value '${version}'`;
  }
  const methodHeader = headers.get("mcp-method");
  if (methodHeader === null) return "the Mcp-Method header is missing";
  if (methodHeader !== method)
    return `Mcp-Method header value '${methodHeader}' does not match body value '${method}'`;
  const source = MCP_NAME_SOURCE.get(method);
  if (source !== undefined) {
    const named = params[source];
    const nameHeader = headers.get("mcp-name");
    if (nameHeader === null) return "the Mcp-Name header is missing";
    const decoded = decodedHeader(nameHeader);
    if (decoded === undefined) return "Mcp-Name holds invalid Base64";
    if (decoded !== named) {
      return `Mcp-Name header value '${nameHeader}' does not match body value '${String(named)}'`;
    }
  }
  return undefined;
}

/** A header value as a client sends it: as it is when header-safe, else the Base64 of its UTF-8 in the sentinel. */
export function encodedHeader(value: string): string {
  const safe = /^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/.test(value) && !/^=\?base64\?.*\?=$/.test(value);
  return safe ? value : `=?base64?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

/** The headers a client sends with a 2026-07-28 request: the version, the method, the name, mirrored parameters. */
export function mirroredHeaders(
  message: { method: string; params?: JsonObject },
  version: string,
  params: readonly MirroredParam[] = [],
): Record<string, string> {
  const headers: Record<string, string> = { "mcp-protocol-version": version, "mcp-method": message.method };
  const body = message.params ?? {};
  const source = MCP_NAME_SOURCE.get(message.method);
  if (source !== undefined && typeof body[source] === "string")
    headers["mcp-name"] = encodedHeader(body[source]);
  for (const { path, header } of params) {
    let value: unknown = body.arguments;
    for (const key of path) value = isJsonObject(value) ? value[key] : undefined;
    if (value !== undefined && value !== null)
      headers[`mcp-param-${header.toLowerCase()}`] = encodedHeader(String(value));
  }
  return headers;
}
