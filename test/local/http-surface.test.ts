import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, type Harness, KEY, MCP_HEADERS, post, startHarness } from "./harness.ts";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

/** A raw HTTP request, so tests can set Host and stream bodies without fetch's help. */
function raw(options: {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  chunked?: boolean;
}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: harness.runtime.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    // The server may close the connection mid-upload (that is the point of the size tests).
    req.on("socket", (socket) => socket.on("error", () => {}));
    const write = (chunk: Buffer | string) => req.write(chunk, () => {});
    if (options.body !== undefined) {
      if (options.chunked) {
        // Sent in pieces with no Content-Length: the limit must hold on what arrives, not on what is declared.
        const body = Buffer.from(options.body);
        for (let i = 0; i < body.length; i += 64 * 1024) write(body.subarray(i, i + 64 * 1024));
      } else {
        write(options.body);
      }
    }
    req.end();
  });
}

async function rpcError(response: Response) {
  const body = await response.json();
  return { status: response.status, code: body.error?.code, message: String(body.error?.message ?? "") };
}

describe("POST /mcp with bad input", () => {
  it.each<[string, string, number, number, RegExp]>([
    ["malformed JSON", '{"jsonrpc":"2.0",', 400, -32700, /Parse error/],
    ["an empty body", "", 400, -32700, /Parse error/],
    ["an envelope without jsonrpc", '{"id":1,"method":"tools/list"}', 400, -32600, /jsonrpc/],
    ["an envelope with an object id", '{"jsonrpc":"2.0","id":{},"method":"ping"}', 400, -32600, /id/],
    ["a batch", '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', 400, -32600, /batch/],
    ["a bare number", "42", 400, -32600, /JSON-RPC object/],
  ])("answers %s with HTTP %i and JSON-RPC %i", async (_, body, status, code, message) => {
    const error = await rpcError(await post(harness.runtime, body));
    expect(error).toMatchObject({ status, code });
    expect(error.message).toMatch(message);
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])(
    "answers the method %s, a name Object.prototype has, as unknown (-32601), not with a 500",
    async (method) => {
      const response = await post(harness.runtime, { jsonrpc: "2.0", id: 8, method, params: {} });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: 8, error: { code: -32601 } });
    },
  );

  it("answers an unknown method with -32601", async () => {
    const response = await post(harness.runtime, { jsonrpc: "2.0", id: 7, method: "tools/destroy" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 7, error: { code: -32601 } });
  });

  it.each<[string, string, unknown, RegExp]>([
    ["an unknown tool", "delete_everything", {}, /Unknown tool: delete_everything/],
    ["a missing argument", "get_weather", {}, /missing required property "location"/],
    ["a wrong type", "get_weather", { location: 5 }, /"location" must be string/],
    [
      "an extra property",
      "get_weather",
      { location: "x", url: "http://169.254.169.254/" },
      /unexpected property "url"/,
    ],
    ["an out-of-range number", "get_weather", { location: "x", days: 99 }, /"days" must be <= 7/],
  ])("answers %s with -32602 naming the problem", async (_, tool, args, message) => {
    const body = await (await callTool(harness.runtime, tool, args)).json();
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toMatch(message);
  });

  it.each<[string, unknown, RegExp]>([
    [
      "tools/call with array arguments",
      { name: "get_weather", arguments: [1] },
      /params\.arguments: Invalid input/,
    ],
    ["tools/call without a name", { arguments: {} }, /params\.name: Invalid input/],
    ["tools/call without params", undefined, /params: Invalid input/],
    ["tasks/get without a taskId", {}, /params\.taskId: Invalid input/],
  ])("answers %s with -32602 naming the field", async (name, params, message) => {
    const method = name.split(" ")[0];
    const response = await post(harness.runtime, { jsonrpc: "2.0", id: 9, method, params });
    const body = await response.json();
    expect(body).toMatchObject({ id: 9, error: { code: -32602 } });
    expect(body.error.message).toMatch(message);
    expect(body.error.message).not.toContain("\n");
  });

  it("answers a notification with 202 and no body", async () => {
    const response = await post(harness.runtime, { jsonrpc: "2.0", method: "notifications/initialized" });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
  });

  it("refuses a 10 MB body with 413 before reading it", async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, "a");
    const response = await raw({
      method: "POST",
      path: "/mcp",
      headers: { ...MCP_HEADERS, "x-api-key": KEY, "content-length": String(body.length) },
      body,
    }).catch((error: NodeJS.ErrnoException) => ({
      status: error.code === "EPIPE" || error.code === "ECONNRESET" ? 413 : 0,
      body: "",
    }));
    expect(response.status).toBe(413);
  });

  it("refuses a body declared over the limit at once, before any of it arrives", async () => {
    // 10 bytes of a declared 10 MB, and the upload then stalls: only a refusal on the declared length answers.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port: harness.runtime.port,
          method: "POST",
          path: "/mcp",
          headers: { ...MCP_HEADERS, "x-api-key": KEY, "content-length": String(10 * 1024 * 1024) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on("error", () => {});
      req.write('{"jsonrpc"');
      setTimeout(() => {
        req.destroy();
        reject(new Error("no answer while the declared body had not arrived"));
      }, 2_000);
    });
    expect(status).toBe(413);
  });

  it("refuses a streamed body that grows past 256 KiB with 413", async () => {
    const response = await raw({
      method: "POST",
      path: "/mcp",
      headers: { ...MCP_HEADERS, "x-api-key": KEY, "transfer-encoding": "chunked" },
      body: `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${"x".repeat(300 * 1024)}"}}`,
      chunked: true,
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.message).toMatch(/too large/);
  });

  it("accepts a body just under the limit", async () => {
    const pad = "x".repeat(200 * 1024);
    const response = await post(harness.runtime, {
      jsonrpc: "2.0",
      id: 1,
      method: "ping",
      params: { _meta: { pad } },
    });
    expect(response.status).toBe(200);
  });

  it("refuses a wrong content type with 415", async () => {
    const response = await post(harness.runtime, '{"jsonrpc":"2.0","id":1,"method":"ping"}', {
      "content-type": "text/plain",
    });
    expect(response.status).toBe(415);
  });

  it("refuses an unsupported MCP-Protocol-Version header", async () => {
    const response = await post(
      harness.runtime,
      { jsonrpc: "2.0", id: 1, method: "ping" },
      { "mcp-protocol-version": "1999-01-01" },
    );
    expect(response.status).toBe(400);
  });
});

describe("protocol version negotiation", () => {
  it.each([
    ["2025-11-25", "2025-11-25"],
    ["2025-06-18", "2025-06-18"],
    ["2025-03-26", "2025-03-26"],
    ["2024-11-05", "2025-11-25"],
    ["2099-01-01", "2025-11-25"],
  ])("answers an initialize asking for %s with %s", async (asked, answered) => {
    const response = await post(harness.runtime, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: asked, capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    const body = await response.json();
    expect(body.result.protocolVersion).toBe(answered);
    expect(body.result.capabilities.tools).toBeDefined();
  });
});

describe("auth, hosts and origins", () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ["a missing key", {}, /^No API key: send your key in the x-api-key header\.$/],
    [
      "a wrong key",
      { "x-api-key": "nope" },
      /^Wrong API key: the key sent in x-api-key is not one this server knows/,
    ],
    ["a key that only shares a prefix", { "x-api-key": KEY.slice(0, -1) }, /^Wrong API key/],
  ])(
    "answers %s with 403 (not 401, which sends MCP clients looking for OAuth) and says which it was",
    async (_, headers, message) => {
      for (const path of ["/mcp", "/mcp/status/00000000-0000-4000-8000-000000000000"]) {
        const response = await fetch(`${harness.runtime.url}${path}`, {
          method: path === "/mcp" ? "POST" : "GET",
          headers: { ...MCP_HEADERS, ...headers },
          body: path === "/mcp" ? '{"jsonrpc":"2.0","id":1,"method":"ping"}' : null,
        });
        expect(response.status).toBe(403);
        expect(response.headers.get("www-authenticate")).toBeNull();
        const { error } = await response.json();
        expect(error.code).toBe("forbidden");
        expect(error.message).toMatch(message);
      }
    },
  );

  it("serves no OAuth metadata that would invite a client to register", async () => {
    for (const path of [
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-authorization-server",
      "/.well-known/openid-configuration",
      "/register",
    ]) {
      const response = await fetch(`${harness.runtime.url}${path}`, {
        method: path === "/register" ? "POST" : "GET",
      });
      expect(response.status).toBe(404);
    }
  });

  it("refuses a foreign Host (DNS rebinding) with 403", async () => {
    const response = await raw({
      method: "POST",
      path: "/mcp",
      headers: { ...MCP_HEADERS, "x-api-key": KEY, host: "evil.example:80" },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(response.status).toBe(403);
  });

  it("refuses a foreign Origin with 403 and accepts the server's own", async () => {
    const request = (origin: string) =>
      post(harness.runtime, { jsonrpc: "2.0", id: 1, method: "ping" }, { origin });
    expect((await request("https://evil.example")).status).toBe(403);
    expect((await request(`http://127.0.0.1:${harness.runtime.port}`)).status).toBe(200);
  });
});

describe("routes and methods", () => {
  it.each([
    ["GET", "/mcp", 405],
    ["DELETE", "/mcp", 405],
    ["PUT", "/mcp", 405],
    ["POST", "/mcp/status/00000000-0000-4000-8000-000000000000", 405],
    ["GET", "/mcp/status/00000000-0000-4000-8000-000000000000/cancel", 405],
    ["GET", "/elsewhere", 404],
  ])("answers %s %s with %i", async (method, path, status) => {
    const response = await fetch(`${harness.runtime.url}${path}`, { method, headers: { "x-api-key": KEY } });
    expect(response.status).toBe(status);
  });
});
