import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  NotConfigured,
  OutcomeUnknown,
  UpstreamRejected,
  UpstreamUnavailable,
} from "../../functions/core/errors.ts";
import { DocumentSecrets } from "../../functions/core/secrets.ts";
import { ArgumentValidator } from "../../functions/core/validation.ts";
import { maskTopic, type NtfyDeps } from "../../functions/tools/ntfy.ts";
import {
  sendPushNotification,
  sendPushNotificationDefinition,
} from "../../functions/tools/send-push-notification.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";
import { type NtfySimulator, startNtfySimulator } from "../../local/simulators/ntfy.ts";

const TOPIC = "golf-alerts-7f3k";
const TOKEN = "tk_secretsecretsecret";
let ntfy: NtfySimulator;

beforeAll(async () => {
  ntfy = await startNtfySimulator({ token: TOKEN });
});
afterAll(() => ntfy.close());
beforeEach(() => {
  ntfy.heal();
  ntfy.received.length = 0;
});

function deps(overrides: { topic?: string | undefined; token?: string } = {}): NtfyDeps {
  const topic = "topic" in overrides ? overrides.topic : TOPIC;
  return {
    config: { baseUrl: ntfy.url, ...(topic ? { topic } : {}) },
    secrets: new DocumentSecrets({ ntfyToken: overrides.token ?? TOKEN }),
    http: new UpstreamClient({ fetch, userAgent: "rez-agent-mcp-test", timeoutMs: 2_000, cacheTtlMs: 0 }),
  };
}

const send = (args: Record<string, unknown>, d = deps()) => sendPushNotification.execute(args as never, d);

describe("send_push_notification", () => {
  it("publishes title, message, priority number, tags and click to the configured topic with the token", async () => {
    const result = await send({
      title: "Tee time booked",
      message: "Sample Links, Saturday 08:10",
      priority: "high",
      tags: ["golf", "+1"],
      click: "https://example.com/r/1",
    });
    expect(ntfy.received).toEqual([
      {
        topic: TOPIC,
        title: "Tee time booked",
        message: "Sample Links, Saturday 08:10",
        priority: 4,
        tags: ["golf", "+1"],
        click: "https://example.com/r/1",
        authorized: true,
      },
    ]);
    expect(result.structuredContent).toMatchObject({ topic: "go…3k", id: expect.any(String) });
    expect(result.content[0]?.text).not.toContain(TOPIC);
  });

  it.each([
    ["min", 1],
    ["low", 2],
    ["default", 3],
    ["urgent", 5],
  ])("maps priority %s to %i", async (priority, number) => {
    await send({ title: "t", message: "m", priority });
    expect(ntfy.received[0]?.priority).toBe(number);
  });

  it("sends the default priority when none is given", async () => {
    await send({ title: "t", message: "m" });
    expect(ntfy.received[0]?.priority).toBe(3);
  });

  it("is not configured without a topic", async () => {
    await expect(send({ title: "t", message: "m" }, deps({ topic: undefined }))).rejects.toBeInstanceOf(
      NotConfigured,
    );
  });

  it("treats 429 and 503 as retryable: ntfy surely did not deliver", async () => {
    for (const status of [429, 503]) {
      ntfy.fail({ kind: "status", status }, 1);
      await expect(send({ title: "t", message: "m" })).rejects.toBeInstanceOf(UpstreamUnavailable);
    }
  });

  it("treats another 5xx as an unknown outcome, never retried: ntfy may have delivered", async () => {
    for (const status of [500, 502]) {
      ntfy.fail({ kind: "status", status }, 1);
      const error = await send({ title: "t", message: "m" }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(OutcomeUnknown);
      expect((error as Error).message).toMatch(/may or may not have been sent/);
    }
  });

  it("shows the reason of any other 4xx as a permanent failure", async () => {
    const error = await send({ title: "t", message: "m" }, deps({ token: "tk_wrong" })).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(UpstreamRejected);
    expect((error as Error).message).toBe("The ntfy server refused the request (HTTP 403): forbidden.");
  });

  it("masks short and long topics alike", () => {
    expect(maskTopic("abc")).toBe("•••");
    expect(maskTopic("golf-alerts-7f3k")).toBe("go…3k");
  });
});

describe("send_push_notification arguments", () => {
  const validator = new ArgumentValidator([sendPushNotificationDefinition]);
  const check = (args: Record<string, unknown>) => validator.check("send_push_notification", args as never);

  it.each([
    [
      "a CRLF in the title",
      { title: "Hi\r\nX-Injected: 1", message: "m" },
      '"title" must be one line without control characters',
    ],
    [
      "a 10 kB title",
      { title: "x".repeat(10_000), message: "m" },
      '"title" must NOT have more than 250 characters',
    ],
    ["an empty message", { title: "t", message: "" }, '"message" must NOT have fewer than 1 characters'],
    [
      "a click URL that is not https",
      { title: "t", message: "m", click: "http://example.com" },
      '"click" must be an https:// URL',
    ],
    [
      "a javascript click URL",
      { title: "t", message: "m", click: "javascript:alert(1)" },
      '"click" must be an https:// URL',
    ],
    [
      "six tags",
      { title: "t", message: "m", tags: ["a", "b", "c", "d", "e", "f"] },
      '"tags" must NOT have more than 5 items',
    ],
    ["an unknown priority", { title: "t", message: "m", priority: "max" }, '"priority" must be one of'],
    ["a topic argument", { title: "t", message: "m", topic: "someone-else" }, 'unexpected property "topic"'],
  ])("refuses %s, naming the field", (_, args, message) => {
    const result = check(args);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.message).toContain(message);
  });

  it("accepts a multi-line message", () => {
    expect(check({ title: "t", message: "line one\nline two" }).ok).toBe(true);
  });
});
