import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFORMANCE_FIXTURES } from "../conformance/fixtures.ts";
import { type Harness, OTHER_KEY, readEvents, startHarness } from "./harness.ts";
import { metaWith, modernClient } from "./modern-client.ts";

/**
 * A task that waits for its client's input (SEP-2663), on a tool whose questions are the task's own (the conformance
 * suite's multi_input and confirm_delete): created at once input_required, answered by tasks/update one question
 * at a time or all at once, then run as a durable execution; cancelled while it waits, it never runs.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ extra: CONFORMANCE_FIXTURES });
});
afterAll(() => harness.close());

const modern = modernClient(() => harness.runtime.mcpUrl);
const TASKS = metaWith({ elicitation: {}, extensions: { "io.modelcontextprotocol/tasks": {} } });
const get = (taskId: string) => modern("tasks/get", { taskId }, {}, TASKS);
const update = (taskId: string, inputResponses: unknown, headers = {}) =>
  modern("tasks/update", { taskId, inputResponses }, headers, TASKS);
const answer = (value: string) => ({ action: "accept", content: { value } });
async function started(name: string) {
  const { body } = await modern("tools/call", { name, arguments: {} }, {}, TASKS);
  expect(body.result).toMatchObject({ resultType: "task", status: "input_required" });
  return body.result.taskId as string;
}
async function settled(taskId: string) {
  let polled = await get(taskId);
  for (let i = 0; i < 30 && polled.body.result.status === "working"; i++) polled = await get(taskId);
  return polled.body.result;
}

describe("a task that waits for its client's input", () => {
  it("asks through tasks/get, keeps asking what is unanswered, then runs with every answer", async () => {
    const taskId = await started("multi_input");
    const waiting = (await get(taskId)).body.result;
    expect(waiting.status).toBe("input_required");
    expect(Object.keys(waiting.inputRequests)).toEqual(["first", "second"]);

    expect((await update(taskId, { first: answer("one"), unrelated: answer("x") })).body.result).toEqual(
      expect.objectContaining({ resultType: "complete" }),
    );
    const half = (await get(taskId)).body.result;
    expect(half.status).toBe("input_required");
    expect(Object.keys(half.inputRequests)).toEqual(["second"]);

    await update(taskId, { second: answer("two") });
    const done = await settled(taskId);
    expect(done.status).toBe("completed");
    expect(done.result.content[0].text).toBe("Got one and two");
  });

  it("never runs once cancelled while it waits, and its cancellation has its event", async () => {
    const taskId = await started("confirm_delete");
    await modern("tasks/cancel", { taskId }, {}, TASKS);
    expect((await get(taskId)).body.result.status).toBe("cancelled");
    await update(taskId, { confirm: { action: "accept", content: { ok: true } } });
    expect((await get(taskId)).body.result.status).toBe("cancelled");
    const events = await readEvents(harness.runtime);
    expect(events.filter((e) => e.detail.requestId === taskId).map((e) => e.detail.status)).toEqual([
      "cancelled",
    ]);
  });

  it("keeps a waiting task from another key, and refuses answers that are not response objects", async () => {
    const taskId = await started("confirm_delete");
    expect((await update(taskId, { confirm: answer("x") }, { "x-api-key": OTHER_KEY })).body.error.code).toBe(
      -32602,
    );
    expect((await update(taskId, { confirm: 5 })).body.error.code).toBe(-32602);
    expect((await get(taskId)).body.result.status).toBe("input_required");
  });

  it("still waits after a restart, and runs when answered then", async () => {
    const taskId = await started("confirm_delete");
    await harness.restart({ extra: CONFORMANCE_FIXTURES });
    expect((await get(taskId)).body.result.status).toBe("input_required");
    await update(taskId, { confirm: { action: "accept", content: { ok: true } } });
    expect((await settled(taskId)).result.content[0].text).toBe("Deleted.");
  });
});
