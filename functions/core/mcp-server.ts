import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  type ListToolsResult,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import type { JsonObject } from "./json.ts";
import type { Principal } from "./ports.ts";
import type { ToolDefinition, ToolRegistry } from "./tool.ts";

/** The protocol versions this server speaks, newest first. */
export const PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;

/** The key of the request id in every orchestrated result's `_meta`. */
export const REQUEST_ID_META_KEY = "rez-agent-mcp/requestId";

/** What a tools/call handler knows of the HTTP request behind it. */
export interface CallContext {
  principal: Principal;
  idempotencyKey: string | undefined;
  /** The absolute URL of the MCP endpoint the call came in on (status URLs are built from it). */
  endpointUrl: string;
  signal: AbortSignal;
}

export type CallTool = (name: string, args: JsonObject, context: CallContext) => Promise<CallToolResult>;

export interface McpServerOptions {
  name: string;
  version: string;
  tools: ToolRegistry;
  callTool: CallTool;
  /** Logs what the client must not see (unexpected errors). */
  onUnexpectedError: (error: unknown) => void;
}

/** The "still running" shape a workflow tool may answer with instead of its result. */
const PENDING_SCHEMA = {
  type: "object",
  properties: {
    requestId: { type: "string" },
    status: { type: "string", enum: ["working", "input_required"] },
    statusUrl: { type: "string" },
  },
  required: ["requestId", "status", "statusUrl"],
} as const;

/** The tool as clients see it: a workflow tool's output is its result or the pending handle. */
type Listed = ListToolsResult["tools"][number];

function listed(definition: ToolDefinition): Listed {
  const tool: Listed = {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    inputSchema: definition.inputSchema as Listed["inputSchema"],
    annotations: { title: definition.title, ...definition.annotations },
  };
  if (definition.outputSchema) {
    tool.outputSchema =
      definition.runs === "workflow"
        ? { type: "object", anyOf: [definition.outputSchema, PENDING_SCHEMA] }
        : (definition.outputSchema as Listed["outputSchema"] & object);
  }
  return tool;
}

export interface McpHttpRequest {
  request: Request;
  parsedBody: unknown;
  principal: Principal;
}

/**
 * Builds the handler of one MCP HTTP request. Stateless: each request gets a fresh SDK server and transport
 * (the SDK forbids reusing a stateless transport), so no state leaks between calls or cold starts.
 *
 * @example
 * const handleMcp = createMcpHandler({ name: "rez-agent-mcp", version: "0.1.0", tools, callTool, onUnexpectedError });
 * const response = await handleMcp({ request, parsedBody, principal });
 */
export function createMcpHandler(options: McpServerOptions): (input: McpHttpRequest) => Promise<Response> {
  const toolList = options.tools.list().map(listed);

  return async ({ request, parsedBody, principal }) => {
    const server = new Server(
      { name: options.name, version: options.version },
      {
        capabilities: { tools: { listChanged: false } },
        instructions:
          "Tools run as durable workflows. A slow call answers with a requestId; fetch its result later with get_request_status.",
      },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: toolList }));
    server.setRequestHandler(CallToolRequestSchema, async (call, extra) => {
      const context: CallContext = {
        principal,
        idempotencyKey: request.headers.get("idempotency-key") ?? undefined,
        endpointUrl: request.url,
        signal: extra.signal,
      };
      try {
        return await options.callTool(call.params.name, (call.params.arguments ?? {}) as JsonObject, context);
      } catch (error) {
        if (error instanceof McpError) throw error;
        options.onUnexpectedError(error);
        throw new McpError(
          ErrorCode.InternalError,
          "Internal error. The operator can find the details in the logs.",
        );
      }
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, {
        parsedBody,
        authInfo: { token: "", clientId: principal.owner, scopes: [] },
      });
    } finally {
      void server.close();
    }
  };
}
