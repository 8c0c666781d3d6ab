import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATUSES } from "../../functions/core/status.ts";
import { ArgumentValidator } from "../../functions/core/validation.ts";
import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";
import { type Harness, KEY, MCP_HEADERS, STACK_TRACE, startHarness } from "../local/harness.ts";

/**
 * Property-based fuzzing of the HTTP surface and of argument validation: thousands of generated and mutated requests.
 * A client's mistake is never a 5xx, never a crash, never a stack trace, and the server answers correctly afterwards.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const TOOLS = TOOL_DEFINITIONS.map((t) => t.name);
const VALID = [
  {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "f", version: "1" } },
  },
  { jsonrpc: "2.0", id: 2, method: "tools/list" },
  {
    jsonrpc: "2.0",
    id: 3,
    method: "tools/call",
    params: { name: "get_weather", arguments: { location: "x" } },
  },
  { jsonrpc: "2.0", id: 4, method: "tasks/list" },
  { jsonrpc: "2.0", method: "notifications/initialized" },
];

/** A JSON-RPC message with one part replaced by something arbitrary. */
const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.constantFrom("jsonrpc", "id", "method", "params", "params.name", "params.arguments", "params.task"),
    fc.jsonValue(),
  )
  .map(([message, path, value]) => {
    const copy = structuredClone(message) as Record<string, unknown>;
    const [head, tail] = path.split(".") as [string, string | undefined];
    if (tail) copy[head] = { ...((copy[head] as object | undefined) ?? {}), [tail]: value };
    else copy[head] = value;
    return JSON.stringify(copy);
  });

const body = fc.oneof(
  mutated,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.constantFrom("", "{", "[]", "null", '{"jsonrpc":"2.0"}', "[".repeat(5000), '{"a":'.repeat(2000)),
);

async function post(text: string, headers: Record<string, string> = MCP_HEADERS) {
  return fetch(harness.runtime.mcpUrl, {
    method: "POST",
    headers: { "x-api-key": KEY, ...headers },
    body: text,
  });
}

async function expectClientError(response: Response) {
  const text = await response.text();
  expect(response.status, text).toBeLessThan(500);
  expect(text).not.toMatch(STACK_TRACE);
  if (text) JSON.parse(text); // every answer is JSON
}

describe("fuzzing POST /mcp", () => {
  it("answers thousands of generated and mutated bodies without a 5xx or a stack trace", async () => {
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        await expectClientError(await post(text));
      }),
      { numRuns: 1500 },
    );
  }, 120_000);

  it("answers arbitrary headers, methods and paths without a 5xx", async () => {
    const header = fc.constantFrom(
      "content-type",
      "accept",
      "mcp-protocol-version",
      "idempotency-key",
      "origin",
      "x-api-key",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
        fc.oneof(
          fc.constantFrom("/mcp", "/mcp/", "/mcp/status/", "/mcp/status/x/cancel", "/"),
          fc.webPath(),
          fc
            .string({ maxLength: 50 })
            .map((s) => `/mcp/status/${encodeURIComponent(s)}?wait=${encodeURIComponent(s)}`),
        ),
        fc.dictionary(header, fc.string({ unit: "grapheme-ascii", maxLength: 60 }), { maxKeys: 3 }),
        async (method, path, headers) => {
          const url = `${harness.runtime.url}${path.startsWith("/") ? path : `/${path}`}`;
          const response = await fetch(url, {
            method,
            headers: { "x-api-key": KEY, ...headers },
            ...(["GET", "OPTIONS"].includes(method) ? {} : { body: "{}" }),
          }).catch(() => undefined);
          // A header fetch itself refuses to send is not the server's answer.
          if (response) await expectClientError(response);
        },
      ),
      { numRuns: 800 },
    );
  }, 120_000);

  it("answers the console's routes, signed in or not, with any method, path, query and headers, without a 5xx", async () => {
    const signIn = await fetch(`${harness.runtime.url}/console/api/session`, {
      method: "POST",
      headers: { "x-api-key": KEY },
    });
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    const csrf = (
      await (await fetch(`${harness.runtime.url}/console/api/session`, { headers: { cookie } })).json()
    ).csrf as string;
    const text = fc.string({ unit: "grapheme-ascii", maxLength: 40 });
    // Weighted towards a signed-in session's real routes, where the handlers do most.
    const path = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          "/console",
          "/console/",
          "/console/app.js",
          "/console/api/session",
          "/console/api/requests",
          "/console/api/requests/0b3f7a52-5c1e-4d6a-9b0e-2f4c8d1e6a7b",
          "/console/api/requests/0b3f7a52-5c1e-4d6a-9b0e-2f4c8d1e6a7b/cancel",
          "/console/api/machines/tool-call",
        ),
      },
      text.map((s) => `/console/${encodeURIComponent(s)}`),
      text.map((s) => `/console/api/${encodeURIComponent(s)}`),
      text.map((s) => `/console/api/machines/${encodeURIComponent(s)}`),
    );
    // Mostly values the console accepts, so a request gets past its first check to the next one.
    const either = (valid: fc.Arbitrary<string>) =>
      fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: text });
    const query = fc
      .record(
        {
          status: either(fc.constantFrom(...STATUSES)),
          tool: either(fc.constantFrom(...TOOL_DEFINITIONS.map((definition) => definition.name))),
          cursor: text,
          wait: text,
        },
        { requiredKeys: [] },
      )
      .map((q) => new URLSearchParams(q).toString());
    const headers = fc.record(
      {
        cookie: fc.oneof(
          { weight: 6, arbitrary: fc.constant(cookie) },
          { weight: 1, arbitrary: text.map((s) => `rez_console=${s}`) },
          { weight: 1, arbitrary: text },
        ),
        "x-csrf-token": either(fc.constant(csrf)),
        origin: either(fc.constant(harness.runtime.url)),
      },
      { requiredKeys: ["cookie"] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 4, arbitrary: fc.constant("GET") },
          { weight: 2, arbitrary: fc.constant("POST") },
          { weight: 1, arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS") },
        ),
        path,
        query,
        headers,
        async (method, at, search, sent) => {
          const response = await fetch(`${harness.runtime.url}${at}${search ? `?${search}` : ""}`, {
            method,
            headers: sent,
            redirect: "manual",
            ...(["GET", "OPTIONS"].includes(method) ? {} : { body: "{}" }),
          }).catch(() => undefined);
          if (!response) return;
          const body = await response.text();
          expect(response.status, body).toBeLessThan(500);
          expect(body).not.toMatch(STACK_TRACE);
          if (response.headers.get("content-type")?.includes("json") && body) JSON.parse(body);
        },
      ),
      { numRuns: 600 },
    );
  }, 120_000);

  it("still answers correctly afterwards", async () => {
    const response = await post(JSON.stringify(VALID[1]));
    expect(response.status).toBe(200);
    const { result } = await response.json();
    expect(result.tools.map((t: { name: string }) => t.name)).toEqual(TOOLS);
  });
});

describe("fuzzing argument validation", () => {
  const validator = new ArgumentValidator(TOOL_DEFINITIONS);

  it("answers any arguments for any tool with ok or one sentence naming the problem, never a throw", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TOOLS, "no_such_tool"),
        fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue()),
        (tool, args) => {
          const check = validator.check(tool, args as never);
          if (!check.ok) {
            expect(check.message).toMatch(/^(Invalid arguments for tool |Unknown tool)/);
            expect(check.message.length).toBeLessThan(400);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("accepts only strings within the limits for a notification title", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (title) => {
        const check = validator.check("send_push_notification", { title, message: "m" });
        const control = [...title].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
        const allowed = title.length >= 1 && title.length <= 250 && !control;
        expect(check.ok).toBe(allowed);
      }),
      { numRuns: 3000 },
    );
  });
});
