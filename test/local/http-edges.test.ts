import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/mcp-server.ts";
import {
  callTool,
  getStatus,
  type Harness,
  KEY,
  MCP_HEADERS,
  OTHER_KEY,
  post,
  STACK_TRACE,
  startHarness,
} from "./harness.ts";

/** The HTTP surface at its edges: targets no URL can be made of, deep nesting, clients that hang up, the status route. */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

describe("request targets no URL can be made of", () => {
  // Found by fuzzing: "//x" threw out of the request listener, which leaves the request hanging and, outside a
  // test runner, ends the process.
  it.each(["//mcp", "///%F3%B8%BC%87", "////@/H/Y", "*"])(
    "answers %s with a 4xx and keeps serving",
    async (target) => {
      const status = await new Promise<number>((resolve, reject) => {
        const { hostname, port } = new URL(harness.runtime.url);
        const req = httpRequest(
          { hostname, port, path: target, method: "GET", headers: { "x-api-key": KEY } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect((await fetch(`${harness.runtime.url}/mcp`, { headers: { "x-api-key": KEY } })).status).toBe(405);
    },
  );
});

describe("messages nested past any real one", () => {
  const arrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
  it.each([
    ["a response", `{"jsonrpc":"2.0","id":1,"result":{"x":${arrays(100_000)}}}`],
    [
      "an error response",
      `{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x","data":${arrays(100_000)}}}`,
    ],
    [
      "a request's params",
      `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":${arrays(100_000)}}}`,
    ],
  ])("refuses %s nested 100,000 deep as an invalid request, with no internal error text", async (_, body) => {
    const response = await post(harness.runtime, body);
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: -32600, message: /nests more than 64 levels/ } });
    expect(text).not.toMatch(/RangeError|call stack/);
  });
});

describe("a client that hangs up mid-body", () => {
  it("is not logged as a server error, and the server keeps serving", async () => {
    const logged: string[] = [];
    const own = await startHarness({ log: (line) => logged.push(line) });
    try {
      const { hostname, port } = new URL(own.runtime.mcpUrl);
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          hostname,
          port,
          path: "/mcp",
          method: "POST",
          headers: { ...MCP_HEADERS, "x-api-key": KEY, "content-length": "1000" },
        });
        req.on("error", () => resolve());
        req.write('{"jsonrpc":"2.0",');
        setTimeout(() => {
          req.destroy();
          setTimeout(resolve, 300);
        }, 200);
      });
      expect(logged.filter((line) => line.startsWith("error"))).toEqual([]);
      expect((await post(own.runtime, { jsonrpc: "2.0", id: 1, method: "ping" })).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe("the status route", () => {
  let id: string;
  beforeAll(async () => {
    const body = await (await callTool(harness.runtime, "get_weather", { location: "sample-links" })).json();
    id = body.result._meta[REQUEST_ID_META_KEY];
  });

  it.each([
    ["an unknown id", "00000000-0000-4000-8000-000000000000"],
    ["a malformed id", "not-an-id"],
    ["a path-like id", "..%2F..%2Fetc"],
    ["a malformed escape", "%E0%A4%A"],
  ])("answers %s with 404", async (_, unknown) => {
    expect((await getStatus(harness.runtime, unknown)).status).toBe(404);
  });

  it("answers another key's id with 404, as if it did not exist", async () => {
    expect((await getStatus(harness.runtime, id, "", OTHER_KEY)).status).toBe(404);
    const cancel = await fetch(`${harness.runtime.mcpUrl}/status/${id}/cancel`, {
      method: "POST",
      headers: { "x-api-key": OTHER_KEY },
    });
    expect(cancel.status).toBe(404);
  });

  it.each(["abc", "9999", "-1", "21", "1e1", ""])("refuses wait=%s with 400", async (wait) => {
    const response = await getStatus(harness.runtime, id, `?wait=${wait}`);
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toMatch(/wait must be a number of seconds from 0 to 20/);
  });

  it("answers a finished call at once even with a wait", async () => {
    const started = Date.now();
    const response = await getStatus(harness.runtime, id, "?wait=20");
    expect(response.status).toBe(200);
    expect((await response.json()).status).toBe("completed");
    // Not after the wait it asked for: a finished call never waits it out.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("keeps a finished call's status when asked to cancel it", async () => {
    const response = await fetch(`${harness.runtime.mcpUrl}/status/${id}/cancel`, {
      method: "POST",
      headers: { "x-api-key": KEY },
    });
    expect(response.status).toBe(409);
    expect((await response.json()).status.status).toBe("completed");
    expect((await (await getStatus(harness.runtime, id)).json()).status).toBe("completed");
  });
});

describe("every answer", () => {
  it("carries no stack trace", async () => {
    const bodies = await Promise.all([
      post(harness.runtime, "{").then((r) => r.text()),
      post(harness.runtime, "[]").then((r) => r.text()),
      callTool(harness.runtime, "nope", {}).then((r) => r.text()),
      callTool(harness.runtime, "get_weather", { location: 1 }).then((r) => r.text()),
      getStatus(harness.runtime, "x", "?wait=abc").then((r) => r.text()),
      fetch(harness.runtime.mcpUrl, { method: "GET" }).then((r) => r.text()),
    ]);
    for (const body of bodies) {
      expect(body).not.toMatch(STACK_TRACE);
      expect(() => JSON.parse(body)).not.toThrow();
    }
  });
});

describe("headers a request may carry once", () => {
  /** Sends raw bytes and returns the status line's code. */
  function rawStatus(head: string): Promise<number> {
    const { hostname, port } = new URL(harness.runtime.url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(head));
      let answer = "";
      socket.on("data", (chunk) => {
        answer += chunk;
        const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
        if (match) {
          resolve(Number(match[1]));
          socket.destroy();
        }
      });
      socket.on("error", reject);
    });
  }

  it.each([
    ["two Host headers", `Host: 127.0.0.1\r\nHost: evil.example\r\n`],
    ["two equal Content-Length headers", `Host: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n`],
  ])("refuses %s with 400 (RFC 9112)", async (_, headers) => {
    const body = headers.includes("Content-Length") ? "{}" : "";
    const status = await rawStatus(
      `POST /mcp HTTP/1.1\r\n${headers}x-api-key: ${KEY}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${body}`,
    );
    expect(status).toBe(400);
  });
});
