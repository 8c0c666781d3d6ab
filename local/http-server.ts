import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FrontHandler } from "../functions/core/front.ts";

/**
 * The request body as a web stream, with back-pressure. Node's Readable.toWeb throws from a data event once the
 * consumer has cancelled (as the front does past the body limit), which would crash the process; this one stops
 * reading instead, and the response then closes the connection.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on("data", (chunk: Buffer) => {
          if (!open) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.on("end", () => {
          if (open) controller.close();
          open = false;
        });
        req.on("error", (error) => {
          if (open) controller.error(error);
          open = false;
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        open = false;
        req.pause();
      },
    },
    { highWaterMark: 4, size: () => 1 },
  );
}

/** Headers a request may carry once (RFC 9112 §3.2, §6.3): a second is a request smuggling attempt or a broken client. */
const SINGLE_HEADERS = new Set(["host", "content-length"]);

/** The header sent more than once that may be sent only once, if any (Node keeps the first and drops the rest). */
function repeatedSingleHeader(req: IncomingMessage): string | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? "").toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

function refuse(res: ServerResponse, message: string): void {
  res.writeHead(400, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify({ error: { code: "bad_request", message } }));
}

/** Converts a Node request to a web Request (the body streams; nothing is buffered here). */
function toRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  // Origin-form targets only ("/path?query"); `new URL("//x", origin)` would read "//x" as a host and throw.
  return new Request(`${origin}${req.url ?? "/"}`, {
    method,
    headers,
    body: hasBody ? bodyStream(req) : null,
    signal,
    duplex: "half",
  } as RequestInit);
}

async function send(response: Response, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  // A body left unread (refused as too large) cannot be skipped on a kept-alive connection: close it.
  if (!req.complete) res.setHeader("connection", "close");
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (!response.body) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

export interface LoopbackServer {
  server: Server;
  url: string;
  port: number;
  /** Stops accepting connections and closes idle ones; in-flight requests finish. */
  close(): Promise<void>;
}

/** Serves the front handler over HTTP on a loopback address. */
export async function listen(handler: FrontHandler, host: string, port: number): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const origin = `http://${host.includes(":") ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
    const repeated = repeatedSingleHeader(req);
    if (repeated) {
      refuse(res, `Bad request: more than one ${repeated === "host" ? "Host" : "Content-Length"} header`);
      return;
    }
    let request: Request;
    try {
      if (!req.url?.startsWith("/")) throw new Error("not an origin-form request target");
      request = toRequest(req, origin, controller.signal);
    } catch {
      // A request line no URL can be made of: refused, never thrown out of the listener (it would end the process).
      refuse(res, "Bad request target");
      return;
    }
    handler(request)
      .then((response) => send(response, req, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end('{"error":{"code":"internal_error","message":"Internal error"}}');
      });
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    server,
    port: bound,
    url: `http://${shownHost}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
