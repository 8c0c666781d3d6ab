import { afterEach, describe, expect, it } from "vitest";
import type { NtfySimulator } from "../../local/simulators/ntfy.ts";
import { callTool, type Harness, readEvents, startHarness } from "./harness.ts";

/** A push notification is sent at most once per call, even when ntfy answers too late to know. */
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("a push whose delivery is unknown", () => {
  it("is never sent again: one notification, and the call says it may have been sent", async () => {
    harness = await startHarness({ upstreamTimeoutMs: 300 });
    const ntfy = harness.runtime.simulators.ntfy as NtfySimulator;
    // ntfy takes the message, then answers after our timeout: it delivers, but we cannot know.
    ntfy.fail({ kind: "slow", delayMs: 700 }, 1);
    const answer = (await (
      await callTool(harness.runtime, "send_push_notification", { title: "Once only", message: "hello" })
    ).json()) as { result: { isError?: boolean; content: { text: string }[] } };
    expect(answer.result.isError).toBe(true);
    expect(answer.result.content[0]?.text).toMatch(/may or may not have been sent\. Check your phone/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ntfy.received.filter((m) => m.title === "Once only")).toHaveLength(1);
    const events = await readEvents(harness.runtime);
    expect(events.at(-1)?.detail).toMatchObject({ status: "failed", error: { type: "OutcomeUnknown" } });
  });

  it("is retried when it surely was not delivered (429), and then sent once", async () => {
    harness = await startHarness();
    const ntfy = harness.runtime.simulators.ntfy as NtfySimulator;
    ntfy.fail({ kind: "status", status: 429 }, 1);
    const answer = (await (
      await callTool(harness.runtime, "send_push_notification", { title: "After 429", message: "hello" })
    ).json()) as { result: { isError?: boolean } };
    expect(answer.result.isError).toBeFalsy();
    expect(ntfy.received.filter((m) => m.title === "After 429")).toHaveLength(1);
  });
});
