/** Settings of the front handler, read once at start by whoever builds it and passed in as data. */
export interface FrontConfig {
  serverName: string;
  serverVersion: string;
  /** How long a tools/call waits for its workflow before answering "still running". */
  syncBudgetMs: number;
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /** Upper bound of `?wait=` on the status route, in seconds. */
  maxWaitSeconds: number;
  /** Suggested polling interval for clients, in milliseconds. */
  pollIntervalMs: number;
  /** How long request records are kept (the table's TTL), in seconds. */
  retentionSeconds: number;
  /** Path prefix in front of `/mcp` (empty locally). */
  basePath: string;
  /** When set, the Host header must be one of these (DNS-rebinding protection on loopback). */
  allowedHosts?: readonly string[];
  /** Browser origins allowed to call; a request with any other `Origin` header is refused. */
  allowedOrigins: readonly string[];
  /**
   * Ask the golfer before booking, where the client can ask (2026-07-28's elicitation by multi round-trip
   * requests); off, a booking call books as it always did.
   */
  confirmBookings: boolean;
}

export const DEFAULT_FRONT_CONFIG: FrontConfig = {
  serverName: "rez-agent-mcp",
  serverVersion: "0.1.0",
  syncBudgetMs: 20_000,
  maxBodyBytes: 256 * 1024,
  maxWaitSeconds: 20,
  pollIntervalMs: 1_000,
  retentionSeconds: 30 * 24 * 3600,
  basePath: "",
  allowedOrigins: [],
  confirmBookings: true,
};
