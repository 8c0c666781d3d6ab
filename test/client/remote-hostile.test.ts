import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteTools } from "../../client/bridge-server.ts";
import { MAX_ANSWER_BYTES, RemoteEndpoint, RemoteFailed } from "../../client/remote.ts";
import { type Handler, serve } from "../loopback-server.ts";

/** The bridge's HTTP side against endpoints that redirect it or answer too much: the key stays home. */

let elsewhere: { server: Server; url: string };
/** What reached the other origin: it must stay empty. */
const reached: { method: string; key: string | undefined; body: string }[] = [];
let endpoint: { server: Server; url: string };
let answer: Handler = () => {};

beforeAll(async () => {
  elsewhere = await serve((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      reached.push({ method: request.method ?? "", key: request.headers["x-api-key"] as string, body });
      response.end("{}");
    });
  });
  endpoint = await serve((request, response) => answer(request, response));
});
afterAll(async () => {
  await new Promise((resolve) => elsewhere.server.close(resolve));
  await new Promise((resolve) => endpoint.server.close(resolve));
});

const remote = () =>
  new RemoteEndpoint(
    {
      endpoint: new URL(`${endpoint.url}/mcp`),
      apiKey: "the-key",
      answerDeadlineMs: 5_000,
      progressIntervalMs: 1_000,
      source: "the test's config",
    },
    { fetch, log: () => {}, baseDelayMs: 10, maxDelayMs: 20 },
  );

async function failureOf(run: Promise<unknown>): Promise<RemoteFailed> {
  try {
    await run;
  } catch (error) {
    expect(error).toBeInstanceOf(RemoteFailed);
    return error as RemoteFailed;
  }
  throw new Error("expected a failure");
}

describe("an endpoint that redirects", () => {
  it.each([301, 302, 303, 307, 308])(
    "is not followed on %i: neither the key nor the body goes to the other origin, and the message says so",
    async (status) => {
      answer = (_request, response) => {
        response.writeHead(status, { location: `${elsewhere.url}/mcp` });
        response.end();
      };
      const failure = await failureOf(
        remote().rpc("tools/call", { name: "x" }, { deadline: Date.now() + 5_000 }),
      );
      expect(failure.kind).toBe("endpoint");
      expect(failure.message).toContain(`redirects to ${elsewhere.url}/mcp (HTTP ${status})`);
      expect(failure.message).toMatch(/neither the API key nor the request went there/);
      expect(reached).toEqual([]);
    },
  );
});

describe("an endpoint that answers too much", () => {
  it("is cut off past the answer bound, declared or not, with a clear message", async () => {
    for (const declared of [true, false]) {
      answer = (_request, response) => {
        response.writeHead(200, {
          "content-type": "application/json",
          ...(declared ? { "content-length": String(1024 ** 3) } : {}),
        });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const more = () => {
          while (sent < MAX_ANSWER_BYTES / chunk.length + 4) {
            sent += 1;
            if (!response.write(chunk)) return void response.once("drain", more);
          }
          response.end();
        };
        response.on("error", () => {});
        more();
      };
      const failure = await failureOf(
        remote().rpc("tools/list", undefined, { deadline: Date.now() + 5_000 }),
      );
      expect(failure.message).toMatch(/answered with more than 8 MB: is it a rez-agent-mcp endpoint\?/);
    }
  });
});

describe("an endpoint whose tools/list is not a list of tools", () => {
  it.each([
    ["no tools", {}],
    ["tools that are not a list", { tools: "all" }],
    ["a tool without a name", { tools: [{ inputSchema: { type: "object" } }] }],
  ])("is named as what it is, not as a crash: %s", async (_, result) => {
    answer = (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result }));
    };
    const tools = new RemoteTools(
      remote(),
      () => {},
      () => {},
    );
    const failure = await failureOf(tools.require());
    expect(failure.message).toMatch(
      /answered tools\/list without a list of tools: is it a rez-agent-mcp endpoint\?/,
    );
  });
});
