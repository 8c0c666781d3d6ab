import { describe, expect, it } from "vitest";
import { UpstreamRejected } from "../../functions/core/errors.ts";
import { redactText } from "../../functions/core/redact.ts";
import { invokeTool } from "../../functions/core/tool-invocation.ts";
import { publishToNtfy } from "../../functions/tools/ntfy.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";

/** Every secret the server holds, as an upstream that quotes back what it was sent would expose them. */
const NTFY_TOKEN = "tk_q7l3mrd8s0e2x9vvb1c4n6y5w";
const TOPIC = "golf-alerts-7f3k9x";
const PASSWORD = "S3cr3t pass+word&=";
const CLIENT_SECRET = "cs-0a9f8e7d6c5b";
const USERNAME = "golfer@example.com";
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJnb2xmZXJJZCI6IjQwMTI3In0.c2lnbmF0dXJl";
const REFRESH = "rt-1f2e3d4c5b6a7988";

/** An upstream that refuses every request, quoting all it received: headers and body. */
function echoingClient() {
  return new UpstreamClient({
    fetch: async (_url, init) => {
      const headers = JSON.stringify(init?.headers ?? {});
      const body = String(init?.body ?? "");
      return new Response(JSON.stringify({ error: `bad request: ${headers} ${body}` }), { status: 400 });
    },
    userAgent: "test",
    timeoutMs: 1_000,
    cacheTtlMs: 0,
  });
}

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamRejected);
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("redaction of what the server holds in secret", () => {
  it("cuts the ntfy token and the topic out of ntfy's refusal", async () => {
    const message = await refusal(() =>
      publishToNtfy(
        { title: "t", message: "m" },
        {
          config: { baseUrl: "https://ntfy.example", topic: TOPIC },
          secrets: { ntfyToken: async () => NTFY_TOKEN, ntfyTopic: async () => undefined },
          http: echoingClient(),
        },
      ),
    );
    expect(message).toMatch(/refused the request \(HTTP 400\)/);
    expect(message).not.toContain(NTFY_TOKEN);
    expect(message).not.toContain(TOPIC);
  });

  it.each([
    ["password", PASSWORD],
    ["client_secret", CLIENT_SECRET],
    ["refresh_token", REFRESH],
    ["username", USERNAME],
  ])(
    "cuts a sign-in's %s out of the identity server's refusal, as sent or form-encoded",
    async (field, value) => {
      const quoting = (encoded: boolean) =>
        new UpstreamClient({
          fetch: async (_url, init) => {
            const sent = new URLSearchParams(String(init?.body)).get(field) ?? "";
            const quoted = encoded ? new URLSearchParams({ [field]: sent }).toString() : sent;
            return new Response(JSON.stringify({ error: `invalid_grant: ${quoted}` }), { status: 400 });
          },
          userAgent: "test",
          timeoutMs: 1_000,
          cacheTtlMs: 0,
        });
      for (const encoded of [false, true]) {
        const message = await refusal(() =>
          quoting(encoded).request({
            label: "The course's sign-in",
            upstream: "cps-golf",
            url: "https://x.cps.golf/identityapi/connect/token",
            form: { grant_type: "password", [field]: value },
          }),
        );
        expect(message).toContain("[redacted]");
        expect(message).not.toContain(value);
        expect(message).not.toContain(new URLSearchParams({ x: value }).toString().slice(2));
      }
    },
  );

  it("cuts the ntfy token out of a refusal that quotes its Authorization header in base64 or base64url", async () => {
    const base64 = (text: string) => Buffer.from(text).toString("base64");
    const base64url = (text: string) => Buffer.from(text).toString("base64url");
    for (const encode of [base64, base64url]) {
      const message = await refusal(() =>
        publishToNtfy(
          { title: "t", message: "m" },
          {
            config: { baseUrl: "https://ntfy.example", topic: TOPIC },
            secrets: { ntfyToken: async () => NTFY_TOKEN, ntfyTopic: async () => undefined },
            http: new UpstreamClient({
              fetch: async (_url, init) => {
                const authorization = ((init?.headers ?? {}) as Record<string, string>).authorization ?? "";
                const quoted = `seen: ${encode(authorization)} and ${encode(JSON.stringify({ auth: authorization }))}`;
                return new Response(JSON.stringify({ error: quoted }), { status: 400 });
              },
              userAgent: "test",
              timeoutMs: 1_000,
              cacheTtlMs: 0,
            }),
          },
        ),
      );
      // No stretch of the encoded token survives: decoding what is left finds no part of it.
      expect(message).toContain("[redacted]");
      for (const run of message.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []) {
        const decoded = Buffer.from(run, "base64").toString("latin1");
        expect(decoded).not.toContain(NTFY_TOKEN.slice(0, 12));
        expect(decoded).not.toContain(NTFY_TOKEN.slice(-12));
      }
    }
  });

  it("cuts the access token out of an API's refusal", async () => {
    const message = await refusal(() =>
      echoingClient().request({
        label: "The course",
        upstream: "cps-golf",
        url: "https://x.cps.golf/api",
        headers: { authorization: `Bearer ${JWT}` },
      }),
    );
    expect(message).not.toContain(JWT);
    expect(message).not.toMatch(/eyJ/);
  });

  it("leaves no JWT or bearer credential in any tool failure, whoever wrote its message", async () => {
    const tool = {
      definition: { name: "t" } as never,
      summarize: () => "",
      execute: async () => {
        throw new UpstreamRejected(`The site said: token ${JWT} and Bearer ${NTFY_TOKEN} are wrong`, {});
      },
    };
    const failure = await invokeTool(
      tool,
      { requestId: "r", tool: "t", arguments: {}, owner: "o", golfer: "default", startedAt: 0 },
      {},
      { now: () => 1 },
    ).catch((error: Error) => error.message);
    expect(failure).not.toContain(JWT);
    expect(failure).not.toContain(NTFY_TOKEN);
  });

  it("keeps ordinary text as it is", () => {
    expect(redactText("The tee time is taken.", ["abc", undefined])).toBe("The tee time is taken.");
  });
});
