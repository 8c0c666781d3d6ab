import type { CallLifecycle, LifecycleDeps } from "./call-lifecycle.ts";
import { stoppedMessage } from "./execution-outcome.ts";
import type { ExecutionState, ListOptions } from "./ports.ts";
import { type RequestRecord, workflowInput } from "./record.ts";
import { workflowKindOf } from "./tool.ts";

/**
 * What is done with calls left working: after a crash (the local runtime's start-up), and on the sweeper's schedule
 * (a front that died between recording a call and starting it, an execution whose end was never recorded).
 */
export class CallRecovery {
  readonly #deps: Pick<LifecycleDeps, "tools" | "store" | "starter" | "clock">;
  readonly #lifecycle: CallLifecycle;

  constructor(deps: Pick<LifecycleDeps, "tools" | "store" | "starter" | "clock">, lifecycle: CallLifecycle) {
    this.#deps = deps;
    this.#lifecycle = lifecycle;
  }

  /**
   * Re-drives a record left `working` (after a crash): restarts it when that cannot repeat a side effect (the tool
   * is idempotent, or the workflow had not yet started the tool's side effect); asks the upstream what became of a
   * side effect that had started, when the tool can (the booking); else fails it with what is known.
   */
  async recover(record: RequestRecord): Promise<"restarted" | "failed"> {
    const definition = this.#deps.tools.get(record.tool);
    if (definition?.effect?.resolves && record.toolStartedAt) {
      // The side effect may have happened: the workflow asks the upstream what became of it, and runs nothing.
      await this.#deps.starter.start({ ...workflowInput(record), resolve: true }, workflowKindOf(definition));
      return "restarted";
    }
    const safe =
      definition?.annotations.idempotentHint || (definition?.effect !== undefined && !record.toolStartedAt);
    if (definition && safe && definition.runs === "workflow") {
      await this.#deps.starter.start(workflowInput(record), workflowKindOf(definition));
      return "restarted";
    }
    await this.#lifecycle.fail(record, {
      type: "Interrupted",
      message: stoppedMessage(record, definition, "was interrupted (the server stopped)"),
    });
    return "failed";
  }

  /**
   * Settles the calls still working past `graceMs` whose execution has ended or never started. Express executions
   * cannot be described; one still working past its longest possible run is settled as stopped.
   */
  async sweep(
    graceMs: number,
    expressLimitMs: number,
    options: ListOptions = {},
  ): Promise<{ checked: number; settled: number }> {
    const now = this.#deps.clock.now();
    const records = await this.#deps.store.listWorking(
      new Date(now - graceMs).toISOString(),
      undefined,
      options,
    );
    let settled = 0;
    for (const record of records) {
      const definition = this.#deps.tools.get(record.tool);
      if (definition?.runs !== "workflow") continue;
      let state: ExecutionState;
      if (workflowKindOf(definition) === "express") {
        if (now - Date.parse(record.createdAt) < expressLimitMs) continue;
        state = { status: "TIMED_OUT" };
      } else {
        state = await this.#deps.starter.describe(record.executionId);
      }
      if ((await this.#lifecycle.settleFromExecution(record, state)) === "settled") settled += 1;
    }
    return { checked: records.length, settled };
  }
}
