import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime } from "../../local/runtime.ts";
import { DELIVERY_ID_HEADER, parseSubscribers } from "../../local/subscribers.ts";
import { callTool, type Harness, readEvents, startHarness } from "./harness.ts";

/**
 * Local subscribers, as EventBridge users expect of a rule and its target: every matching event at least once, with
 * its stable id as the delivery id, retried while the target fails, dead-lettered after the last attempt, and not
 * lost to a restart.
 */

interface Delivery {
  id: string;
  status: number;
  body: { "detail-type": string; detail: { eventId: string; status: string } };
}

/** A webhook on loopback that records every delivery and can be told to fail or hang. */
async function startWebhook() {
  const deliveries: Delivery[] = [];
  let failing = 0;
  let hanging = false;
  const hung: ServerResponse[] = [];
  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let text = "";
    for await (const chunk of request) text += chunk;
    const id = String(request.headers[DELIVERY_ID_HEADER]);
    if (hanging) {
      deliveries.push({ id, status: 0, body: JSON.parse(text) });
      hung.push(response);
      return;
    }
    const status = failing > 0 ? 503 : 204;
    if (failing > 0) failing -= 1;
    deliveries.push({ id, status, body: JSON.parse(text) });
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    deliveries,
    /** Deliveries that succeeded, by delivery id. */
    delivered: () => deliveries.filter((d) => d.status === 204).map((d) => d.id),
    fail: (times: number) => {
      failing = times;
    },
    hang: (on: boolean) => {
      hanging = on;
      if (!on) for (const response of hung.splice(0)) response.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let webhook: Awaited<ReturnType<typeof startWebhook>>;
let harness: Harness;
const RETRY = { attempts: 4, baseMs: 10, maxMs: 40 };
beforeAll(async () => {
  webhook = await startWebhook();
  const subscribers = parseSubscribers(
    {
      subscribers: [
        {
          name: "hook",
          pattern: { source: ["rez-agent-mcp"], "detail-type": ["Tool Call Completed", "Tool Call Failed"] },
          target: { webhook: webhook.url },
        },
      ],
    },
    "the test's subscribers",
  );
  harness = await startHarness({ subscribers, subscriberRetry: RETRY });
});
afterAll(async () => {
  webhook.hang(false);
  await harness.close();
  await webhook.close();
});

/**
 * The runtime started again on the same data folder, its subscriber following every event, retried `attempts`
 * times (a runtime already stopped is not stopped twice).
 */
async function restartRuntime(attempts = RETRY.attempts, stopped = false) {
  if (!stopped) await harness.runtime.stop();
  harness.runtime = await startRuntime({
    dataDir: harness.dataDir,
    host: "127.0.0.1",
    port: 0,
    upstreams: "simulated",
    log: () => {},
    subscribers: parseSubscribers(
      {
        subscribers: [
          { name: "hook", pattern: { source: ["rez-agent-mcp"] }, target: { webhook: webhook.url } },
        ],
      },
      "restart",
    ),
    subscriberRetry: { ...RETRY, attempts },
  });
}

/** A weather call's event whose delivery the runtime's stop cuts off (the target hangs until then): its id. */
async function stoppedMidDelivery(): Promise<string> {
  webhook.hang(true);
  const id = await weatherEvent();
  for (let i = 0; i < 200 && !webhook.deliveries.some((d) => d.id === id); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await harness.runtime.stop();
  webhook.hang(false);
  return id;
}

/** A weather call's completion event id, once the subscribers have caught up with it. */
async function weatherEvent(): Promise<string> {
  const answer = await (await callTool(harness.runtime, "get_weather", { location: "Sample Links" })).json();
  const id = `${answer.result._meta["rez-agent-mcp/requestId"]}:completed`;
  await harness.runtime.bus.flush();
  return id;
}

describe("a local webhook subscriber", () => {
  it("gets each matching event, its eventId as the delivery id, and nothing its pattern leaves out", async () => {
    const id = await weatherEvent();
    const push = await (
      await callTool(harness.runtime, "send_push_notification", { title: "t", message: "m" })
    ).json();
    await harness.runtime.bus.flush();
    await harness.runtime.subscribers.idle();
    expect(webhook.delivered()).toContain(id);
    const body = webhook.deliveries.find((d) => d.id === id)?.body;
    expect(body).toMatchObject({ "detail-type": "Tool Call Completed", detail: { eventId: id } });
    // Every delivered event matches the pattern: no cancelled ones.
    expect(webhook.deliveries.every((d) => d.body["detail-type"] !== "Tool Call Cancelled")).toBe(true);
    void push;
  });

  it("keeps trying a target that fails for a while, then delivers it once", async () => {
    webhook.fail(RETRY.attempts - 1);
    const id = await weatherEvent();
    await harness.runtime.subscribers.idle();
    const tries = webhook.deliveries.filter((d) => d.id === id);
    expect(tries.map((d) => d.status)).toEqual([503, 503, 503, 204]);
  });

  it("puts an event in the dead-letter file after its last attempt, and goes on with the next", async () => {
    webhook.fail(RETRY.attempts);
    const lost = await weatherEvent();
    await harness.runtime.subscribers.idle();
    const deadLetters = await readFile(
      join(harness.dataDir, "subscribers", "hook.dead-letter.jsonl"),
      "utf8",
    );
    const entry = JSON.parse(deadLetters.trim().split("\n").at(-1) as string);
    expect(entry).toMatchObject({ deliveryId: lost, reason: "the target answered HTTP 503" });
    const next = await weatherEvent();
    await harness.runtime.subscribers.idle();
    expect(webhook.delivered()).toContain(next);
    expect(webhook.delivered()).not.toContain(lost);
  });

  it("delivers after a restart what the stop interrupted, with the same delivery id, once", async () => {
    const id = await stoppedMidDelivery();
    await restartRuntime(RETRY.attempts, true);
    await harness.runtime.subscribers.idle();
    // Interrupted in flight by the stop (no answer), then delivered after the restart.
    expect(webhook.deliveries.filter((d) => d.id === id).map((d) => d.status)).toEqual([0, 204]);
    // Nothing delivered before the stop is delivered again.
    const counts = new Map<string, number>();
    for (const delivered of webhook.delivered()) counts.set(delivered, (counts.get(delivered) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect((await readEvents(harness.runtime)).length).toBeGreaterThan(0);
  });
});

describe("a stop during a delivery's last attempt", () => {
  it("is not the target's failure: no dead letter, and the delivery is made after the restart", async () => {
    await restartRuntime(1);
    await harness.runtime.subscribers.idle();
    const id = await stoppedMidDelivery();
    const deadLetters = await readFile(
      join(harness.dataDir, "subscribers", "hook.dead-letter.jsonl"),
      "utf8",
    ).catch(() => "");
    expect(deadLetters).not.toContain(id);
    await restartRuntime(1, true);
    await harness.runtime.subscribers.idle();
    expect(webhook.delivered().filter((delivered) => delivered === id)).toHaveLength(1);
  });
});

describe("a subscribers file", () => {
  const parse = (subscribers: unknown) => () => parseSubscribers({ subscribers }, "subscribers.json");
  it("is refused with a sentence naming the subscriber and what is wrong", () => {
    const hook = (webhook: string, name = "a") => ({ name, pattern: {}, target: { webhook } });
    expect(parse([hook("http://example.com/x")])).toThrow(/subscriber 1: a webhook must be https/);
    expect(parse([hook("https://example.com/x"), hook("https://example.com/y")])).toThrow(
      /the name a is used twice/,
    );
    expect(parse([{ name: "a", pattern: {}, target: { email: "x" } }])).toThrow(/"target" must be/);
    expect(parse([{ name: "Bad Name", pattern: {}, target: { webhook: "https://x" } }])).toThrow(/"name"/);
    expect(() => parseSubscribers({}, "subscribers.json")).toThrow(/must hold/);
  });
});
