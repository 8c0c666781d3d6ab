/** MCP's task status vocabulary, used for every request record. */
export const STATUSES = ["working", "input_required", "completed", "failed", "cancelled"] as const;

export type Status = (typeof STATUSES)[number];

export type TerminalStatus = "completed" | "failed" | "cancelled";

const TERMINAL: ReadonlySet<Status> = new Set<Status>(["completed", "failed", "cancelled"]);

/** A terminal status never changes again: stores must only move a record out of `working`/`input_required`. */
export function isTerminal(status: Status): status is TerminalStatus {
  return TERMINAL.has(status);
}
