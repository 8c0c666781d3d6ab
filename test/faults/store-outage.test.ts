import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import {
  callTool,
  getStatus,
  type Harness,
  readEvents,
  STACK_TRACE,
  startHarness,
} from "../local/harness.ts";

/** The request store unavailable for a moment: nothing is lost, nothing is left working, no stack trace. */

let harness: Harness;
beforeAll(async () => {
  // Real backoff between the state machine's DynamoDB retries, so they can outlast a short outage.
  harness = await startHarness({ retryDelayMs: 400 });
});
afterAll(() => harness.close());

describe("the store going away for a moment", () => {
  it("refuses a new call clearly while it is down, and serves it once it is back", async () => {
    await harness.runtime.dynamo.pause();
    try {
      const response = await callTool(harness.runtime, "get_weather", { location: "Sample Links" });
      const text = await response.text();
      // A JSON-RPC error in a 200, as MCP answers a request it understood but could not serve.
      expect(response.status).toBe(200);
      expect(text).not.toMatch(STACK_TRACE);
      const body = JSON.parse(text);
      expect(body.error.code).toBe(-32603);
      expect(body.error.message).toMatch(
        /The request store is temporarily unavailable\. Try again in a moment\./,
      );
      const status = await getStatus(harness.runtime, "0b3f7a52-5c1e-4d6a-9b0e-2f4c8d1e6a7b");
      expect(status.status).toBe(503);
      expect(status.headers.get("retry-after")).toBe("1");
      expect((await status.json()).error.code).toBe("store_unavailable");
    } finally {
      await harness.runtime.dynamo.resume();
    }
    const { result } = await (
      await callTool(harness.runtime, "get_weather", { location: "Sample Links" })
    ).json();
    expect(result.isError).toBeFalsy();
  });

  it("finishes a call whose result arrives while the store is down, once it is back", async () => {
    const { nws } = harness.runtime.simulators;
    nws?.fail({ kind: "slow", delayMs: 600 }, 1);
    const calling = callTool(
      harness.runtime,
      "get_weather",
      { location: "47.62,-122.35" },
      { "idempotency-key": "outage-1" },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await harness.runtime.dynamo.pause();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await harness.runtime.dynamo.resume();
    const answer = await (await calling).json();
    const id = String(answer.result?._meta?.[REQUEST_ID_META_KEY]);
    let status: { status: string } = { status: "working" };
    for (let i = 0; i < 50 && status.status === "working"; i++) {
      status = await (await getStatus(harness.runtime, id, "?wait=1")).json();
    }
    expect(status.status).toBe("completed");
    const events = (await readEvents(harness.runtime)).filter((e) => e.detail.requestId === id);
    expect(events.map((e) => e["detail-type"])).toEqual(["Tool Call Completed"]);
  });
});
