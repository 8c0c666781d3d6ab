import { McpError } from "@modelcontextprotocol/sdk/types.js";

/** A JSON-RPC error as the SDK serializes a thrown error: its `code`, its `message` as it is, and `data`. */
export type RpcError = Error & { code: number; data?: unknown };

/**
 * An error to throw from an SDK request handler. The SDK's McpError puts "MCP error <code>: " into its message and
 * SDK clients put it in front again, so answers read "MCP error -32602: MCP error -32602: ..."; this one carries the
 * plain message, and an McpError passed in loses its prefix.
 */
export function rpcError(code: number, message: string, data?: unknown): RpcError;
export function rpcError(error: McpError): RpcError;
export function rpcError(codeOrError: number | McpError, message?: string, data?: unknown): RpcError {
  if (codeOrError instanceof McpError) {
    const prefix = `MCP error ${codeOrError.code}: `;
    const plain = codeOrError.message.startsWith(prefix)
      ? codeOrError.message.slice(prefix.length)
      : codeOrError.message;
    return rpcError(codeOrError.code, plain, codeOrError.data);
  }
  const answer = Object.assign(new Error(message), { code: codeOrError });
  return data === undefined ? answer : Object.assign(answer, { data });
}
