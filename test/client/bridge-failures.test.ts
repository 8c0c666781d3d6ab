import { chmod, writeFile } from "node:fs/promises";
import { createServer as createTcpServer, type Socket } from "node:net";
import { join } from "node:path";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it, vi } from "vitest";
import { ATTEMPT_TIMEOUT_MS } from "../../client/remote.ts";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import {
  BRIDGE,
  type Bridge,
  dir,
  harness,
  nws,
  proxy,
  type Result,
  startBridge,
  useBridgeHarness,
} from "./bridge-harness.ts";
import { startProxy } from "./proxy.ts";
import { runToExit } from "./run-to-exit.ts";

/** The bridge when the server cannot answer, its lifecycle tools, and its configuration. */
useBridgeHarness();

async function startSilentEndpoint(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The URL of a port nothing listens on. */
async function closedPortUrl(): Promise<string> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const timed = async <T>(run: () => Promise<T>) => {
  const started = Date.now();
  const outcome = await run().then(
    (value) => ({ value, error: undefined }),
    (error: Error) => ({ value: undefined, error }),
  );
  return { ...outcome, ms: Date.now() - started };
};

describe("the bridge when the endpoint cannot answer", () => {
  it("answers initialize and a tools/call within their deadlines when the endpoint accepts and never answers", async () => {
    const silent = await startSilentEndpoint();
    try {
      const connecting = await timed(() => startBridge({ endpoint: silent.url, answerDeadlineSeconds: 3 }));
      expect(connecting.error).toBeUndefined();
      // Within its own deadline: never a single HTTP attempt's whole timeout (or forever) on a silent endpoint.
      expect(connecting.ms).toBeLessThan(ATTEMPT_TIMEOUT_MS);
      const bridge = connecting.value as Bridge;
      try {
        const call = await timed(() =>
          bridge.client.callTool({ name: "get_weather", arguments: { location: "Sample Links" } }),
        );
        expect(call.ms).toBeLessThan(ATTEMPT_TIMEOUT_MS);
        expect(call.error?.message).toMatch(/accepted the connection but did not answer within \d/);
        const listing = await timed(() => bridge.client.listTools());
        expect(listing.value?.tools).toEqual([]);
        expect(listing.ms).toBeLessThan(ATTEMPT_TIMEOUT_MS);
      } finally {
        await bridge.close();
      }
    } finally {
      await silent.close();
    }
  });

  it("started before the server, lists no tools, then says the list changed once the server is up", async () => {
    const late = await startProxy(harness.runtime.url);
    await late.down();
    const bridge = await startBridge({ endpoint: `${late.url}/mcp` });
    try {
      expect(bridge.client.getServerCapabilities()?.tools?.listChanged).toBe(true);
      expect((await bridge.client.listTools()).tools).toEqual([]);
      const changed = new Promise<void>((resolve) =>
        bridge.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
      );
      await late.up();
      await changed;
      const { tools } = await bridge.client.listTools();
      expect(tools.map((t) => t.name)).toContain("golf_book_tee_time");
      expect(bridge.stderr()).toMatch(/is the rez-agent-mcp server running\?/);
      expect(bridge.stderr()).toMatch(/the server is up: 11 tools/);
    } finally {
      await bridge.close();
      await late.close();
    }
  }, 20_000);

  it.each([
    [
      "a down server",
      async () => `${await closedPortUrl()}/mcp`,
      /nothing answers at .*connection refused.*is the rez-agent-mcp server running\? .*The call was not started/s,
    ],
    [
      "a wrong endpoint path",
      async () => `${proxy.url}/not-mcp`,
      /there is no rez-agent-mcp endpoint at .*\/not-mcp \(HTTP 404\)/,
    ],
    [
      "an unknown host",
      async () => "https://rez-agent-mcp.invalid/mcp",
      /host rez-agent-mcp\.invalid is not known/,
    ],
  ])("names %s as what it is", async (_, endpointOf, message) => {
    const bridge = await startBridge({ endpoint: await endpointOf(), answerDeadlineSeconds: 2 });
    try {
      const call = await timed(() =>
        bridge.client.callTool({ name: "golf_book_tee_time", arguments: { course: "x" } }),
      );
      expect(call.error?.message).toMatch(message);
      expect(call.ms).toBeLessThan(ATTEMPT_TIMEOUT_MS);
    } finally {
      await bridge.close();
    }
  });

  it("answers with the request id when following the call fails", async () => {
    const flaky = await startProxy(harness.runtime.url);
    const bridge = await startBridge({ endpoint: `${flaky.url}/mcp`, answerDeadlineSeconds: 2 });
    try {
      nws.fail({ kind: "slow", delayMs: 3_000 }, 1);
      await bridge.client.listTools();
      const call = bridge.client.callTool({ name: "get_weather", arguments: { location: "44.1,-103.2" } });
      await vi.waitFor(() => expect(flaky.requests.some((r) => r.startsWith("GET /mcp/status/"))).toBe(true));
      await flaky.down();
      const result = (await call) as Result;
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: "working" });
      expect(result._meta?.[REQUEST_ID_META_KEY]).toBe(result.structuredContent?.requestId);
      expect(result.content[0]?.text).toMatch(/could not follow it \(nothing answers at/);
    } finally {
      await bridge.close();
      await flaky.close();
    }
  });
});

describe("the lifecycle tools through the bridge", () => {
  it("list a still-running call, wait for it, and cancel another", async () => {
    const bridge = await startBridge({ answerDeadlineSeconds: 1 });
    try {
      nws.fail({ kind: "slow", delayMs: 2_000 }, 1);
      const slow = (await bridge.client.callTool({
        name: "get_weather",
        arguments: { location: "45.5,-122.6" },
      })) as Result;
      const requestId = String(slow.structuredContent?.requestId);
      const listed = (await bridge.client.callTool({
        name: "list_requests",
        arguments: { status: "working" },
      })) as Result;
      expect(JSON.stringify(listed.structuredContent)).toContain(requestId);

      const waited = await timed(
        async () =>
          (await bridge.client.callTool({
            name: "get_request_status",
            arguments: { requestId, wait: 10 },
          })) as Result,
      );
      expect(waited.value?.structuredContent?.status).toBe("completed");
      // Woken by the completion, not by the end of the 10 s it asked to wait.
      expect(waited.ms).toBeLessThan(10_000);

      nws.fail({ kind: "slow", delayMs: 3_000 }, 1);
      const other = (await bridge.client.callTool({
        name: "get_weather",
        arguments: { location: "46.8,-121.7" },
      })) as Result;
      const cancelled = (await bridge.client.callTool({
        name: "cancel_request",
        arguments: { requestId: String(other.structuredContent?.requestId) },
      })) as Result;
      expect(cancelled.structuredContent?.status).toBe("cancelled");
    } finally {
      await bridge.close();
    }
  });
});

describe("the bridge's configuration", () => {
  const runBridge = (env: Record<string, string>) =>
    runToExit([BRIDGE], { PATH: process.env.PATH ?? "", HOME: dir, ...env });

  it.each([
    ["no configuration at all", async () => ({}), /no endpoint and apiKey configured: write .*config\.json/],
    [
      "a config file with a key that others can read",
      async () => {
        const file = join(dir, "open.json");
        await writeFile(file, JSON.stringify({ endpoint: "http://127.0.0.1:1/mcp", apiKey: "k" }));
        await chmod(file, 0o644);
        return { REZ_AGENT_MCP_CONFIG: file };
      },
      /other users can read it \(mode 0644\); run: chmod 600/,
    ],
    [
      "an endpoint over plain http to another machine",
      async () => ({ REZ_AGENT_MCP_ENDPOINT: "http://example.com/mcp", REZ_AGENT_MCP_API_KEY: "k" }),
      /must use https/,
    ],
    [
      "a config file that is not JSON",
      async () => {
        const file = join(dir, "broken.json");
        await writeFile(file, "{ endpoint: ", { mode: 0o600 });
        return { REZ_AGENT_MCP_CONFIG: file };
      },
      /is not valid JSON/,
    ],
  ])("refuses %s with one line on stderr and a non-zero exit", async (_, prepare, message) => {
    const { code, stderr, stdout } = await runBridge(await prepare());
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).toBe("");
  });
});
