import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteEndpoint } from "../../client/remote.ts";

/** The bridge's HTTP side against a server that holds a status long poll for as long as it was asked to. */

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    const wait = Number(new URL(request.url ?? "/", "http://x").searchParams.get("wait") ?? 0);
    // A long poll: silent until the call finishes, here a second into a three-second wait.
    setTimeout(
      () => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ requestId: "r1", status: "completed", statusMessage: "done" }));
      },
      Math.max(0, wait * 1000 - 2_000),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the bridge's status long poll", () => {
  it("waits out the long poll it asked for, however short its per-attempt timeout", async () => {
    const remote = new RemoteEndpoint(
      {
        endpoint: new URL(url),
        apiKey: "k",
        answerDeadlineMs: 10_000,
        progressIntervalMs: 1_000,
        source: "test",
      },
      { fetch, log: () => {}, baseDelayMs: 10, maxDelayMs: 20 },
    );
    // Attempts of 500 ms, a wait of 3 s: the server is silent for a second by design, which is not a failure.
    const view = await remote.status("r1", 3, { deadline: Date.now() + 8_000, attemptMs: 500 });
    expect(view.status).toBe("completed");
    expect(remote.stats.requests).toBe(1);
  });
});
