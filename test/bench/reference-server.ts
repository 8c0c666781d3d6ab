import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";

/**
 * The reference for the protocol front: the MCP SDK's own stateless Streamable HTTP example pattern (a new server
 * and transport for every request, JSON responses, no auth, no validation of our own), serving our tool list.
 */
export async function startReferenceServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const tools = TOOL_DEFINITIONS.map(({ runs: _runs, ...tool }) => tool as unknown as Tool);
  const server: HttpServer = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const mcp = new Server({ name: "reference", version: "1.0.0" }, { capabilities: { tools: {} } });
    mcp.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on("close", () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
