import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/mcp-server.ts";
import { LOCAL_REQUEST_TABLE } from "../../local/resources.ts";
import type { NtfySimulator } from "../../local/simulators/ntfy.ts";
import {
  callTool,
  connectClient,
  getStatus,
  type Harness,
  KEY,
  readEvents,
  startHarness,
} from "./harness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function resultOf(response: Response) {
  const body = await response.json();
  expect(body.error).toBeUndefined();
  return body.result as {
    isError?: boolean;
    content: { text: string }[];
    structuredContent?: Record<string, unknown>;
    _meta: Record<string, string>;
  };
}

const idOf = (result: { _meta: Record<string, string> }) => String(result._meta[REQUEST_ID_META_KEY]);

describe("a call whose upstreams are down", () => {
  it("ends failed with a readable message, a record and a Tool Call Failed event", async () => {
    harness = await startHarness();
    const { nws, openMeteo } = harness.runtime.simulators;
    nws?.fail({ kind: "status", status: 503 });
    openMeteo?.fail({ kind: "status", status: 503 });

    const result = await resultOf(
      await callTool(harness.runtime, "get_weather", { location: "sample-links" }),
    );
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toBe("Open-Meteo is unavailable right now (HTTP 503). Try again later.");

    const id = idOf(result);
    const status = await (await getStatus(harness.runtime, id)).json();
    expect(status).toMatchObject({
      status: "failed",
      statusMessage: "Open-Meteo is unavailable right now (HTTP 503). Try again later.",
      error: { type: "UpstreamUnavailable", upstreamStatus: 503 },
    });
    // Three retries after the first attempt, each trying the NWS then Open-Meteo.
    expect(nws?.requests.length).toBe(4);

    const events = (await readEvents(harness.runtime)).filter((e) => e.detail.requestId === id);
    expect(events.map((e) => e["detail-type"])).toEqual(["Tool Call Failed"]);
    expect(events[0]?.detail.error).toEqual({
      type: "UpstreamUnavailable",
      message: "Open-Meteo is unavailable right now (HTTP 503). Try again later.",
    });
  });

  it("completes when the upstream recovers within the retries", async () => {
    harness = await startHarness();
    const { nws, openMeteo } = harness.runtime.simulators;
    nws?.fail({ kind: "drop" }, 2);
    openMeteo?.fail({ kind: "drop" }, 2);
    const result = await resultOf(
      await callTool(harness.runtime, "get_weather", { location: "sample-links" }),
    );
    expect(result.isError).toBeFalsy();
    expect((await (await getStatus(harness.runtime, idOf(result))).json()).status).toBe("completed");
  });

  it("fails at once on a permanent refusal, without retrying", async () => {
    harness = await startHarness();
    harness.runtime.simulators.openMeteo?.fail({ kind: "status", status: 400 });
    const result = await resultOf(await callTool(harness.runtime, "get_weather", { location: "Paris" }));
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^The Open-Meteo geocoder refused the request \(HTTP 400\)/);
    expect(harness.runtime.simulators.openMeteo?.requests).toHaveLength(1);
  });
});

describe("Idempotency-Key", () => {
  it("maps a re-sent call to the same request and starts no second execution", async () => {
    harness = await startHarness();
    const headers = { "idempotency-key": "call-42" };
    const first = await resultOf(
      await callTool(harness.runtime, "get_weather", { location: "Denver" }, headers),
    );
    const upstreamCalls = harness.runtime.simulators.openMeteo?.requests.length;
    const second = await resultOf(
      await callTool(harness.runtime, "get_weather", { location: "Denver" }, headers),
    );
    expect(idOf(second)).toBe(idOf(first));
    expect(second.structuredContent).toEqual(first.structuredContent);
    expect(harness.runtime.simulators.openMeteo?.requests.length).toBe(upstreamCalls);
    const events = (await readEvents(harness.runtime)).filter((e) => e.detail.requestId === idOf(first));
    expect(events).toHaveLength(1);
  });

  it("refuses the same key for different arguments", async () => {
    harness = await startHarness();
    const headers = { "idempotency-key": "call-43" };
    await resultOf(await callTool(harness.runtime, "get_weather", { location: "Denver" }, headers));
    const body = await (
      await callTool(harness.runtime, "get_weather", { location: "Paris" }, headers)
    ).json();
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toMatch(/already used for a different tool call/);
  });

  it("refuses a key with control characters", async () => {
    harness = await startHarness();
    const body = await (
      await callTool(harness.runtime, "get_weather", { location: "Denver" }, { "idempotency-key": "a b" })
    ).json();
    expect(body.error.code).toBe(-32602);
  });
});

describe("a call slower than the sync budget", () => {
  it("answers still running, then finishes behind the status route and get_request_status", async () => {
    harness = await startHarness({ front: { syncBudgetMs: 200 } });
    harness.runtime.simulators.nws?.fail({ kind: "slow", delayMs: 1_000 }, 1);

    const client = await connectClient(harness.runtime);
    const result = await client.callTool({ name: "get_weather", arguments: { location: "sample-links" } });
    expect(result.isError).toBeFalsy();
    const pending = result.structuredContent as { requestId: string; status: string; statusUrl: string };
    expect(pending.status).toBe("working");
    expect(pending.statusUrl).toBe(`${harness.runtime.mcpUrl}/status/${pending.requestId}`);
    expect(result._meta?.[REQUEST_ID_META_KEY]).toBe(pending.requestId);
    expect((result.content as { text: string }[])[0]?.text).toMatch(/still running.*get_request_status/);

    const waited = await (
      await fetch(`${pending.statusUrl}?wait=10`, { headers: { "x-api-key": KEY } })
    ).json();
    expect(waited.status).toBe("completed");

    const status = await client.callTool({
      name: "get_request_status",
      arguments: { requestId: pending.requestId },
    });
    expect((status.structuredContent as { status: string }).status).toBe("completed");
    await client.close();
  });

  it("lets get_request_status wait for a slow call, so one call gets the result", async () => {
    harness = await startHarness({ front: { syncBudgetMs: 200 } });
    harness.runtime.simulators.nws?.fail({ kind: "slow", delayMs: 1_000 }, 1);
    const client = await connectClient(harness.runtime);
    const result = await client.callTool({ name: "get_weather", arguments: { location: "sample-links" } });
    const pending = result.structuredContent as { requestId: string; status: string };
    expect(pending.status).toBe("working");
    expect((result.content as { text: string }[])[0]?.text).toMatch(/get_request_status .* wait: 20/);
    const status = await client.callTool({
      name: "get_request_status",
      arguments: { requestId: pending.requestId, wait: 10 },
    });
    expect((status.structuredContent as { status: string }).status).toBe("completed");
    await client.close();
  });

  it("lists and cancels calls through the lifecycle tools, for clients without MCP tasks", async () => {
    harness = await startHarness({ front: { syncBudgetMs: 100 } });
    const client = await connectClient(harness.runtime);
    await client.callTool({ name: "get_weather", arguments: { location: "47.1,-122.3" } });
    harness.runtime.simulators.nws?.fail({ kind: "slow", delayMs: 800 }, 1);
    const slow = await client.callTool({ name: "get_weather", arguments: { location: "sample-links" } });
    const slowId = (slow.structuredContent as { requestId: string }).requestId;

    const working = await client.callTool({ name: "list_requests", arguments: { status: "working" } });
    const listed = (working.structuredContent as { requests: { requestId: string; status: string }[] })
      .requests;
    expect(listed.map((r) => [r.requestId, r.status])).toEqual([[slowId, "working"]]);
    const all = await client.callTool({
      name: "list_requests",
      arguments: { tool: "get_weather", limit: 1 },
    });
    const first = all.structuredContent as { requests: { requestId: string }[]; nextCursor?: string };
    expect(first.requests).toHaveLength(1);
    expect(first.nextCursor).toBeDefined();
    const second = await client.callTool({
      name: "list_requests",
      arguments: { tool: "get_weather", limit: 1, cursor: first.nextCursor },
    });
    expect((second.structuredContent as { requests: unknown[] }).requests).toHaveLength(1);

    const cancelled = await client.callTool({ name: "cancel_request", arguments: { requestId: slowId } });
    expect(cancelled.isError).toBeFalsy();
    expect((cancelled.structuredContent as { status: string }).status).toBe("cancelled");
    const again = await client.callTool({ name: "cancel_request", arguments: { requestId: slowId } });
    expect(again.isError).toBe(true);
    expect((again.content as { text: string }[])[0]?.text).toMatch(/already ended as cancelled/);
    await client.close();
  });

  it("is cancelled on request: status cancelled, execution stopped, Tool Call Cancelled published", async () => {
    harness = await startHarness({ front: { syncBudgetMs: 100 } });
    harness.runtime.simulators.nws?.fail({ kind: "slow", delayMs: 800 }, 1);
    const pending = await resultOf(
      await callTool(harness.runtime, "get_weather", { location: "sample-links" }),
    );
    const id = idOf(pending);
    expect(pending.structuredContent?.status).toBe("working");

    const cancel = await fetch(`${harness.runtime.mcpUrl}/status/${id}/cancel`, {
      method: "POST",
      headers: { "x-api-key": KEY },
    });
    expect(cancel.status).toBe(200);
    expect((await cancel.json()).status).toBe("cancelled");

    // Long after the slow upstream has answered, the status is still cancelled and nothing else was published.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await (await getStatus(harness.runtime, id)).json()).status).toBe("cancelled");
    const events = (await readEvents(harness.runtime)).filter((e) => e.detail.requestId === id);
    expect(events.map((e) => e["detail-type"])).toEqual(["Tool Call Cancelled"]);
    expect(harness.runtime.workflow.runningCount).toBe(0);
  });
});

describe("a restart in the middle of a call", () => {
  it("re-runs an idempotent call left working, so it completes", async () => {
    harness = await startHarness({ front: { syncBudgetMs: 100 }, graceMs: 0 });
    harness.runtime.simulators.nws?.fail({ kind: "slow", delayMs: 2_000 });
    const pending = await resultOf(
      await callTool(harness.runtime, "get_weather", { location: "sample-links" }),
    );
    const id = idOf(pending);

    const runtime = await harness.restart({ graceMs: 2_000 });
    expect(runtime.recovered).toEqual({ restarted: 1, failed: 0 });
    const status = await (await getStatus(runtime, id, "?wait=10")).json();
    expect(status.status).toBe("completed");
  });
});

describe("the state machine's settling writes, against the real store", () => {
  it("never overwrite a call that is no longer working, and run no side effect for it", async () => {
    harness = await startHarness();
    const runtime = harness.runtime;
    const ntfy = runtime.simulators.ntfy as NtfySimulator;
    const id = "7d1c0e36-2b4f-4c55-9a0e-6f3b2d1c0e36";
    const now = new Date().toISOString();
    for (const [tool, args] of [
      ["get_weather", { location: "sample-links" }],
      ["send_push_notification", { title: "Must not be sent", message: "cancelled first" }],
    ] as const) {
      const requestId = tool === "get_weather" ? id : id.replace("7d1c", "8e2d");
      await runtime.dynamo.client.send(
        new PutItemCommand({
          TableName: LOCAL_REQUEST_TABLE,
          Item: {
            id: { S: requestId },
            owner: { S: "alice" },
            tool: { S: tool },
            status: { S: "cancelled" },
            statusMessage: { S: "The call was cancelled by the caller." },
            arguments: { S: JSON.stringify(args) },
            createdAt: { S: now },
          },
        }),
      );
      const input = { requestId, tool, arguments: args, owner: "alice", startedAt: Date.now() };
      const state = await runtime.workflow.run(input as never);
      expect(state.status).toBe("SUCCEEDED");
      const record = await runtime.front.lifecycle.status(requestId, { owner: "alice" });
      expect(record).toMatchObject({
        status: "cancelled",
        statusMessage: "The call was cancelled by the caller.",
      });
      expect(record?.result).toBeUndefined();
    }
    expect(ntfy.received.filter((m) => m.title === "Must not be sent")).toEqual([]);
  });
});
