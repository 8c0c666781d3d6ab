import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type ExecutionHistories,
  type ExecutionHistory,
  type HistoryEvent,
  historyDetail,
  MAX_KEPT_EVENTS,
} from "../functions/core/execution-history.ts";
import { replaceFile } from "./data-folder.ts";
import type { EventLog } from "./history.ts";

/**
 * Writes an execution's history as Step Functions reports it (functions/core/execution-history.ts) from the local
 * runner's event log, and so counts it as Step Functions counts it (the 25,000-event limit): ExecutionStarted; per
 * state an Entered and an Exited event (a Fail state only its Entered); per attempt of a Task a TaskScheduled, a
 * TaskStarted and its end (TaskSucceeded, TaskFailed or TaskTimedOut); and the execution's end. A watch's check (a
 * Task, a record Task, a Choice and a Wait) is 5 + 5 + 2 + 2 = 14 events. Inputs and outputs are redacted (no token or secret in any
 * encoding) and cut to MAX_DETAIL_CHARS. A very long execution (a watch of weeks) keeps its first MAX_KEPT_EVENTS / 2
 * events and its latest ones.
 */
export class ExecutionRecorder {
  #events: HistoryEvent[] = [];
  #next = 1;
  #dropped = 0;
  /** The Task whose last attempt failed: its exit is not a TaskSucceeded. */
  #failedTask: string | undefined;

  get count(): number {
    return this.#next - 1;
  }

  history(): { events: HistoryEvent[]; truncated: boolean } {
    return { events: this.#events, truncated: this.#dropped > 0 };
  }

  add(event: EventLog): void {
    const at = new Date(event.timestamp).toISOString();
    switch (event.type) {
      case "ExecutionStarted":
        this.#push(at, "ExecutionStarted", { input: detail(event.input) });
        break;
      case "ExecutionSucceeded":
        this.#push(at, "ExecutionSucceeded", { output: detail(event.output) });
        break;
      case "ExecutionFailed":
        this.#push(at, "ExecutionFailed", failure(event.Error, event.Cause));
        break;
      case "ExecutionAborted":
        this.#push(at, "ExecutionAborted");
        break;
      case "ExecutionTimeout":
        this.#push(at, "ExecutionTimedOut");
        break;
      case "StateEntered":
        this.#push(at, `${event.state.type}StateEntered`, {
          name: event.state.name,
          input: detail(event.state.input),
        });
        if (event.state.type === "Task") this.#attempt(at, event.state.name);
        break;
      case "StateFailed":
        if (event.state.type === "Task") {
          this.#push(at, event.Error === "States.Timeout" ? "TaskTimedOut" : "TaskFailed", {
            name: event.state.name,
            ...failure(event.Error, event.Cause),
          });
          this.#failedTask = event.state.name;
        }
        break;
      case "StateRetried":
        if (event.state.type === "Task") {
          this.#failedTask = undefined;
          this.#attempt(at, event.state.name);
        }
        break;
      case "StateExited": {
        const { name, type } = event.state;
        if (type === "Task" && this.#failedTask !== name) {
          this.#push(at, "TaskSucceeded", { name, output: detail(event.state.output) });
        }
        this.#failedTask = undefined;
        this.#push(at, `${type}StateExited`, { name, output: detail(event.state.output) });
        break;
      }
      default:
        break;
    }
  }

  #attempt(at: string, name: string): void {
    this.#push(at, "TaskScheduled", { name });
    this.#push(at, "TaskStarted", { name });
  }

  #push(timestamp: string, type: string, details?: Record<string, string>): void {
    const id = this.#next++;
    this.#events.push({ id, previousEventId: id - 1, timestamp, type, ...(details ? { details } : {}) });
    // Past the cap, the middle goes: the start (what was asked) and the latest (where it is) stay.
    if (this.#events.length > MAX_KEPT_EVENTS) {
      this.#events.splice(MAX_KEPT_EVENTS / 2, 1);
      this.#dropped += 1;
    }
  }
}

const detail = (value: unknown) => historyDetail(JSON.stringify(value ?? null));

function failure(error: unknown, cause: unknown): Record<string, string> {
  const said = typeof cause === "string" ? cause : JSON.stringify(cause ?? "");
  return { error: String(error ?? ""), cause: historyDetail(said) };
}

/** Each execution's history as a file in the data folder, written as it runs and read back by the front. */
export class LocalExecutionHistories implements ExecutionHistories {
  readonly #folder: string;
  readonly #live = new Map<string, ExecutionRecorder>();

  constructor(folder: string) {
    this.#folder = folder;
  }

  /** A running execution's recorder (its history is read from it while it runs). */
  track(name: string, recorder: ExecutionRecorder): void {
    this.#live.set(name, recorder);
  }

  /** Writes an execution's history (whole, replacing the last write) and, once it has ended, lets it go. */
  async save(name: string, ended: boolean): Promise<void> {
    const recorder = this.#live.get(name);
    if (!recorder) return;
    await mkdir(this.#folder, { recursive: true, mode: 0o700 });
    await replaceFile(this.#fileOf(name), JSON.stringify(recorder.history()));
    if (ended) this.#live.delete(name);
  }

  async historyOf(executionId: string): Promise<ExecutionHistory> {
    const name = executionId.split(":").at(-1) ?? executionId;
    const live = this.#live.get(name);
    if (live) return live.history();
    try {
      return JSON.parse(await readFile(this.#fileOf(name), "utf8")) as ExecutionHistory;
    } catch {
      return {
        unavailable: "This call's execution has no recorded history (it never started, or it has expired).",
      };
    }
  }

  /**
   * Deletes the histories whose call has expired (`expiresAt`, epoch seconds, is past) or is gone: a history lives
   * as long as its record. Returns how many went.
   */
  async prune(expiresAtOf: (name: string) => Promise<number | undefined>, now: number): Promise<number> {
    const files = await readdir(this.#folder).catch(() => [] as string[]);
    let pruned = 0;
    for (const file of files) {
      if (!file.endsWith(".json")) continue;
      const name = file.slice(0, -".json".length);
      if (this.#live.has(name)) continue;
      const expiresAt = await expiresAtOf(name);
      if (expiresAt !== undefined && expiresAt * 1000 > now) continue;
      await rm(join(this.#folder, file), { force: true });
      pruned += 1;
    }
    return pruned;
  }

  #fileOf(name: string): string {
    // Execution names are request ids (UUIDs); anything else never reaches the file system.
    if (!/^[A-Za-z0-9-]{1,80}$/.test(name)) throw new Error(`Not an execution name: ${name}`);
    return join(this.#folder, `${name}.json`);
  }
}
