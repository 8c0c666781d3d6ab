import type { ToolCallEvent } from "./events.ts";
import type { JsonObject } from "./json.ts";
import type { RequestRecord, Settlement } from "./record.ts";

/** The request table. Only `settle` changes a status, and only out of `working`. */
export interface RequestStore {
  /** Puts the record unless one with its id exists; then returns the existing one untouched. */
  create(record: RequestRecord): Promise<{ created: true } | { created: false; existing: RequestRecord }>;
  get(id: string): Promise<RequestRecord | undefined>;
  /** Moves a `working` record to a terminal status. Returns false when the record was not `working`. */
  settle(id: string, settlement: Settlement, at: string): Promise<boolean>;
  /** Records in one status, oldest first (start-up recovery). */
  listByStatus(status: RequestRecord["status"]): Promise<RequestRecord[]>;
  /** One owner's records, newest first, a page at a time; the cursor is opaque and comes from the previous page. */
  listByOwner(owner: string, page: { limit: number; cursor?: string }): Promise<RecordPage>;
}

export interface RecordPage {
  records: RequestRecord[];
  nextCursor?: string;
}

/** The store could not be reached or answered with a server error: worth trying again in a moment. */
export class StoreUnavailable extends Error {
  override readonly name = "StoreUnavailable";
}

/** What a client is told when the store is unavailable. */
export const STORE_UNAVAILABLE_MESSAGE =
  "The request store is temporarily unavailable. Try again in a moment.";

/** A cursor the store did not issue. */
export class InvalidCursor extends Error {
  override readonly name = "InvalidCursor";
}

/** The input of the tool-call state machine. */
export interface WorkflowInput extends JsonObject {
  requestId: string;
  tool: string;
  arguments: JsonObject;
  owner: string;
  /** Epoch milliseconds at which the call was accepted (the tool reports its duration from it). */
  startedAt: number;
}

/** Starts and stops executions of the tool-call state machine. */
export interface WorkflowStarter {
  /** The ARN the execution named `requestId` has, known before it starts. */
  executionArn(requestId: string): string;
  /** Where an operator sees the execution, when there is such a place. */
  consoleUrl(executionArn: string): string | undefined;
  /** Starts the execution named `input.requestId`. Starting a name that already runs or ran is a no-op. */
  start(input: WorkflowInput): Promise<void>;
  /** Stops a running execution; a finished or unknown one is left as it is. */
  stop(executionArn: string, cause: string): Promise<void>;
}

export interface EventPublisher {
  publish(event: ToolCallEvent): Promise<void>;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Who made a request: the owner id records and status lookups are scoped to. */
export interface Principal {
  owner: string;
}

export interface Authenticator {
  /** The caller's principal, or undefined when the request carries no valid key. */
  authenticate(request: Request): Promise<Principal | undefined>;
}

/**
 * Resolves when something may have changed the record (a hint, not a guarantee), or after `timeoutMs`.
 * Locally the runtime signals each write; on AWS there is none and the watcher falls back to polling.
 */
export type ChangeSignal = (id: string, timeoutMs: number) => Promise<void>;

export const systemClock: Clock = { now: () => Date.now() };

/** One person's sign-in to a course's CPS Golf site. */
export interface GolfCredentials {
  username: string;
  password: string;
  /** The site's OAuth client secret, when it has one. */
  clientSecret?: string;
}

/**
 * Where tools get what must never appear in arguments, logs, events, results or records. Locally the environment or
 * a mode-0600 file; on AWS Secrets Manager. Asynchronous, because a real store is.
 */
export interface Secrets {
  /** The credentials for one course (falling back to the credentials shared by every course). */
  golfCredentials(courseId: string): Promise<GolfCredentials | undefined>;
  /** The bearer token for a protected ntfy topic. */
  ntfyToken(): Promise<string | undefined>;
}
