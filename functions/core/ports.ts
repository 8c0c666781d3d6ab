import type { ToolCallEvent } from "./events.ts";
import type { JsonObject } from "./json.ts";
import type { EventFields, PendingInput, PushReceipt, RequestRecord, Settlement } from "./record.ts";

/** The request table. Only `settle` changes a status, and only out of `working`. */
export interface RequestStore {
  /** Puts the record unless one with its id exists; then returns the existing one untouched. */
  create(record: RequestRecord): Promise<{ created: true } | { created: false; existing: RequestRecord }>;
  get(id: string): Promise<RequestRecord | undefined>;
  /**
   * Moves a `working` record to a terminal status, storing its event in the same write (the outbox). Returns false
   * when the record was not `working`.
   */
  settle(id: string, settlement: Settlement, at: string, event: EventFields): Promise<boolean>;
  /**
   * Cancels a call whose side effect has not started (working, or input_required and so not started at all), storing
   * its event: false when it is neither or its tool has started (then nothing is changed).
   */
  cancelBeforeStart(id: string, statusMessage: string, at: string, event: EventFields): Promise<boolean>;
  /** Stores what an input_required task waits on now (answers so far, or a new round's questions). */
  noteInput(id: string, input: PendingInput, statusMessage: string, at: string): Promise<boolean>;
  /**
   * An input_required task has what it waited on: it is working from `at`, with these arguments. False when it was
   * not input_required (answered already, or cancelled).
   */
  resumeWithInput(id: string, args: JsonObject, statusMessage: string, at: string): Promise<boolean>;
  /** Settled records whose event is not yet published, settled before `before` (ISO); `fromTable` as above. */
  listPendingEvents(before: string, limit?: number, options?: ListOptions): Promise<RequestRecord[]>;
  /** The record's event is published: takes it out of the outbox. */
  markEventSent(id: string): Promise<void>;
  /**
   * Changes what a working call says of itself (and notes a cancel that came too late to stop it). False when it is
   * no longer working.
   */
  annotate(
    id: string,
    note: { statusMessage: string; cancelRequestedAt?: string },
    at: string,
  ): Promise<boolean>;
  /**
   * Records still working that were accepted before `before` (ISO), through the sparse index; with `fromTable`,
   * by reading the table itself (start-up recovery: the embedded store does not update an item and its index
   * entries atomically, so after a crash only the table is sure).
   */
  listWorking(before: string, limit?: number, options?: ListOptions): Promise<RequestRecord[]>;
  /** Notes the push a settled call's outcome sent; a record already gone (expired) is left gone. */
  notePush(id: string, receipt: PushReceipt): Promise<void>;
  /** One owner's records, newest first, a page at a time; the cursor is opaque and comes from the previous page. */
  listByOwner(owner: string, page: { limit: number; cursor?: string }): Promise<RecordPage>;
}

export interface ListOptions {
  /** Read the table, not the sparse index (slower; exact after a crash). */
  fromTable?: boolean;
}

export interface RecordPage {
  records: RequestRecord[];
  nextCursor?: string;
}

/** What a client is told when the store is unavailable. */
export const STORE_UNAVAILABLE_MESSAGE =
  "The request store is temporarily unavailable. Try again in a moment.";

/**
 * The store could not be reached or answered with a server error: worth trying again in a moment. `clientMessage`
 * is what a client reads (the message is the operator's, and may name paths).
 */
export class StoreUnavailable extends Error {
  override readonly name = "StoreUnavailable";
  readonly clientMessage: string;

  constructor(message: string, clientMessage = STORE_UNAVAILABLE_MESSAGE) {
    super(message);
    this.clientMessage = clientMessage;
  }
}

/** A cursor the store did not issue. */
export class InvalidCursor extends Error {
  override readonly name = "InvalidCursor";
}

/**
 * The input of the tool-call state machine. With `resolve: true` (a JSON member, so not declared here) the workflow
 * asks a tool with a side effect what became of a step that was cut off, instead of running it.
 */
export interface WorkflowInput extends JsonObject {
  requestId: string;
  tool: string;
  arguments: JsonObject;
  owner: string;
  /** The golfer the call acts for (golfers.ts); NO_GOLFER when its key has no golf account. */
  golfer: string;
  /** Epoch milliseconds at which the call was accepted (the tool reports its duration from it). */
  startedAt: number;
}

/**
 * Which state machine runs a call: the tool-call machine as `express` for read-only tools (started synchronously,
 * the answer comes back in the call) or `standard` for side effects (a durable execution, started exactly once);
 * `scheduled` is the scheduled-booking machine, a standard execution that waits for a release.
 */
export type WorkflowKind = "express" | "standard" | "scheduled";

/** An execution as Step Functions describes it; `NOT_FOUND` when no execution has that name. */
export interface ExecutionState {
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "NOT_FOUND";
  /** The Fail state's (or the runtime's) error name, for a failed execution. */
  error?: string;
  cause?: string;
  /** The execution's output (JSON text), for a succeeded one. */
  output?: string;
}

/** The start request reached Step Functions and was refused: no execution runs. */
export class StartRefused extends Error {
  override readonly name = "StartRefused";
}

/** The start request got no clear answer (no connection, a timeout, a 5xx): an execution may or may not run. */
export class StartUnconfirmed extends Error {
  override readonly name = "StartUnconfirmed";
}

/** Starts, runs, stops and describes executions of the tool-call state machine. */
export interface WorkflowStarter {
  /** The ARN the execution named `requestId` has, known before it starts. */
  executionId(requestId: string, kind: WorkflowKind): string;
  /** Where an operator sees the execution, when there is such a place. */
  executionUrl(executionId: string): string | undefined;
  /**
   * Starts the execution named `input.requestId` and returns once Step Functions has it: "started", or "exists"
   * when an execution of that name already ran or runs. Throws StartRefused or StartUnconfirmed.
   */
  start(input: WorkflowInput, kind: WorkflowKind): Promise<"started" | "exists">;
  /** Runs an express execution and returns how it ended (StartSyncExecution); throws as `start`. */
  run(input: WorkflowInput): Promise<ExecutionState>;
  /** Stops a running standard execution; a finished or unknown one is left as it is. */
  stop(executionId: string, cause: string): Promise<void>;
  /** How a standard execution stands. */
  describe(executionId: string): Promise<ExecutionState>;
}

export interface EventPublisher {
  publish(event: ToolCallEvent): Promise<void>;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Who made a request: the owner id records and status lookups are scoped to, and the golfer the key acts as. */
export interface Principal {
  owner: string;
  /** Absent: the key has no golf account (golfers.ts, golferOfKey). */
  golfer?: string;
}

export interface Authenticator {
  /** The caller's principal, or undefined when the request carries no valid key. */
  authenticate(request: Request): Promise<Principal | undefined>;
}

/**
 * Resolves `true` when something wrote the record, or `false` after `timeoutMs`. Locally the runtime signals every
 * write it makes (the only writer of its store); on AWS there is none and the watcher falls back to polling.
 */
export type ChangeSignal = (id: string, timeoutMs: number) => Promise<boolean>;

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
  /** A golfer's credentials for one course (falling back to the golfer's credentials for every course). */
  golfCredentials(golfer: string, courseId: string): Promise<GolfCredentials | undefined>;
  /** The bearer token for a protected ntfy topic: the golfer's own, else the server's. */
  ntfyToken(golfer: string): Promise<string | undefined>;
  /** The golfer's own ntfy topic, when its secrets name one. */
  ntfyTopic(golfer: string): Promise<string | undefined>;
}

/**
 * Where one request's side effect notes what it is about to do, before doing it: a later run of the same request
 * (after a crash, past its idempotency window) reads it to find what the first run did, instead of acting again.
 */
export interface RequestJournal<Note> {
  note(entry: Note): Promise<void>;
  read(): Promise<Note | undefined>;
}
