#!/usr/bin/env node
/**
 * rez-agent-mcp-bridge: the stdio MCP server Claude Desktop starts. It forwards to a rez-agent-mcp endpoint with the
 * API key. stdout carries only the protocol; every log line goes to stderr.
 */
import { homedir } from "node:os";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { EraSplitTransport, ModernRelay } from "./bridge-modern.ts";
import { createBridgeServer } from "./bridge-server.ts";
import { ConfigError, loadBridgeConfig } from "./config.ts";
import { RemoteEndpoint } from "./remote.ts";

const log = (line: string) => process.stderr.write(`rez-agent-mcp-bridge: ${line}\n`);

let config: Awaited<ReturnType<typeof loadBridgeConfig>>;
try {
  config = await loadBridgeConfig(process.env, homedir());
} catch (error) {
  log(error instanceof ConfigError ? error.message : `cannot start: ${(error as Error).message}`);
  process.exit(1);
}

// stdio first: the client's initialize is answered whatever the remote does.
const remote = new RemoteEndpoint(config, { fetch, log });
const server = createBridgeServer(remote, config, log);
// Each request to its era: 2026-07-28 ones are forwarded as they are (bridge-modern.ts), the rest served by the SDK.
const transport = new EraSplitTransport(new StdioServerTransport(), new ModernRelay(remote, config, log));
transport.onclose = () => process.exit(0);
process.stdin.on("end", () => process.exit(0));
await server.connect(transport);
log(`forwarding to ${config.endpoint.href} (settings from ${config.source})`);
