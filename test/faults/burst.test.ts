import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Child, startChild } from "../bench/child.ts";
import { KEY, MCP_HEADERS } from "../bench/stats.ts";

/**
 * A burst against the server in its own process, as a client sees it: a thousand calls at once, and a thousand long
 * polls at once, each answered (none refused because the store's socket was busy). How long they take is the
 * bench's business (npm run bench, "bursts"); here only that every one is answered, and honestly.
 */

const BURST = 1_000;
const DATA_DIR = ".tmp/burst-test";

let server: Child;
let mcpUrl: string;
beforeAll(async () => {
  await rm(DATA_DIR, { recursive: true, force: true });
  server = await startChild(new URL("../bench/load-server.ts", import.meta.url), [DATA_DIR]);
  mcpUrl = server.ready[0] as string;
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await rm(DATA_DIR, { recursive: true, force: true });
});

const call = (name: string, args: unknown) =>
  fetch(mcpUrl, {
    method: "POST",
    headers: MCP_HEADERS,
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });

describe("a burst", () => {
  it("answers a thousand concurrent calls, every one with its result", async () => {
    const answers = await Promise.all(
      Array.from({ length: BURST }, async () => {
        const response = await call("get_weather", { location: "Sample Links" });
        return { status: response.status, body: await response.text() };
      }),
    );
    const refused = answers.filter((a) => a.status !== 200 || !a.body.includes('"text":"ok"'));
    expect(refused.slice(0, 3)).toEqual([]);
  }, 240_000);

  it("answers a thousand concurrent long polls of a working call, each with the call's status", async () => {
    const started = await fetch(mcpUrl, {
      method: "POST",
      headers: MCP_HEADERS,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "send_push_notification", arguments: { title: "t", message: "m" }, task: {} },
      }),
    });
    const id = ((await started.json()) as { result: { task: { taskId: string } } }).result.task.taskId;
    const polls = await Promise.all(
      Array.from({ length: BURST }, async () => {
        const response = await fetch(`${mcpUrl}/status/${id}?wait=2`, { headers: { "x-api-key": KEY } });
        return { status: response.status, body: await response.text() };
      }),
    );
    const refused = polls.filter((p) => p.status !== 200 || JSON.parse(p.body).id !== id);
    expect(refused.slice(0, 3)).toEqual([]);
  }, 240_000);
});
