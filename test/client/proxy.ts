import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** An HTTP proxy in front of the endpoint that tests can take down, bring back, or make lose one answer. */
export interface TestProxy {
  url: string;
  /** Every request forwarded, as "METHOD /path". */
  readonly requests: string[];
  /** Stops listening and drops open connections: the endpoint is unreachable. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Forwards the next request whose path starts with `prefix`, then drops the connection instead of answering. */
  loseNextAnswer(method: string, prefix: string): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<TestProxy> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let lose: { method: string; prefix: string } | undefined;

  async function forward(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    requests.push(`${req.method} ${path}`);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        ([name]) => !["host", "connection", "content-length"].includes(name),
      ),
    ) as Record<string, string>;
    const answer = await fetch(new URL(path, target), {
      method: req.method ?? "GET",
      headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await answer.arrayBuffer());
    if (lose && req.method === lose.method && path.startsWith(lose.prefix)) {
      lose = undefined;
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, {
      "content-type": answer.headers.get("content-type") ?? "application/json",
    });
    res.end(body);
  }

  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer((req, res) => {
        forward(req, res).catch(() => req.socket.destroy());
      });
      server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    down: stop,
    up: async () => {
      await listen(port);
    },
    loseNextAnswer(method, prefix) {
      lose = { method, prefix };
    },
    close: stop,
  };
}
