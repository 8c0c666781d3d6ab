import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A failure a simulator can be told to produce, for `times` requests (default: until cleared); with `path`, only
 * for requests whose path ends with it, or with one of them (a 500 on ReserveTeeTimes only).
 */
export type Fault = (
  | { kind: "slow"; delayMs: number }
  | { kind: "status"; status: number }
  | { kind: "malformed" }
  | { kind: "drop" }
) & { path?: string | string[] };

export interface SimAnswer {
  status: number;
  /** Sent as JSON; a string with its own content-type header is sent as it is. */
  body: unknown;
  headers?: Record<string, string>;
}

export type SimRoute = (url: URL, request: IncomingMessage, body: string) => SimAnswer | Promise<SimAnswer>;

export interface Simulator {
  url: string;
  /** Fails the next `times` requests (all of them when omitted) in the given way. */
  fail(fault: Fault, times?: number): void;
  /** Back to normal answers. */
  heal(): void;
  /** Requests received so far, as "METHOD /path?query". */
  readonly requests: string[];
  /** When each of `requests` arrived (the simulator's clock, epoch ms). */
  readonly requestTimes: number[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server for an upstream stand-in, with fault injection: in-process through `fail`, or from
 * another process with `POST /__sim/fault` `{ fault, times }` and `POST /__sim/heal`; `GET /__sim/requests` lists
 * the requests it has received.
 */
export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** The upstream's own clock, for its Date header (default: this machine's). */
  now?: () => number;
  /** A network between us: each request reaches the upstream this late, and its answer comes back this late. */
  oneWayMs?: number;
}

export async function startSimulator(route: SimRoute, options: SimulatorOptions = {}): Promise<Simulator> {
  const { host = "127.0.0.1", port = 0, now = Date.now, oneWayMs = 0 } = options;
  let fault: Fault | undefined;
  let remaining = Number.POSITIVE_INFINITY;
  const requests: string[] = [];
  const requestTimes: number[] = [];
  const travel = () => (oneWayMs > 0 ? new Promise((resolve) => setTimeout(resolve, oneWayMs)) : undefined);

  const setFault = (next: Fault, times?: number) => {
    fault = next;
    remaining = times ?? Number.POSITIVE_INFINITY;
  };
  const heal = () => {
    fault = undefined;
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://sim");
    let body = "";
    for await (const chunk of req) body += chunk;
    const control = url.pathname.startsWith("/__sim/");
    if (!control) await travel();
    if (url.pathname === "/__sim/fault" && req.method === "POST") {
      const { fault: next, times } = JSON.parse(body) as { fault: Fault; times?: number };
      setFault(next, times);
      return reply(res, { status: 204, body: null });
    }
    if (url.pathname === "/__sim/heal" && req.method === "POST") {
      heal();
      return reply(res, { status: 204, body: null });
    }
    if (url.pathname === "/__sim/requests" && req.method === "GET") {
      // What the upstream has been asked so far, for a person or a test in another process.
      return reply(res, { status: 200, body: { requests } });
    }
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    requestTimes.push(now());
    const active = fault && remaining > 0 && matchesPath(fault.path, url.pathname) ? fault : undefined;
    if (active) {
      remaining -= 1;
      if (remaining <= 0) fault = undefined;
      switch (active.kind) {
        case "drop":
          req.socket.destroy();
          return;
        case "status":
          return reply(res, {
            status: active.status,
            body: { title: "Simulated failure", status: active.status },
          });
        case "malformed":
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"properties": {"periods": [');
          return;
        case "slow":
          await new Promise((resolve) => setTimeout(resolve, active.delayMs));
          break;
      }
    }
    const answer = await route(url, req, body);
    // The Date header is the upstream's clock when it answers, to the second, as HTTP servers send it.
    const dated = { ...answer, headers: { date: new Date(now()).toUTCString(), ...answer.headers } };
    if (!control) await travel();
    reply(res, dated);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, { status: 500, body: { title: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    fail: setFault,
    heal,
    requests,
    requestTimes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function matchesPath(path: string | string[] | undefined, pathname: string): boolean {
  if (path === undefined) return true;
  return [path].flat().some((suffix) => pathname.endsWith(suffix));
}

function reply(res: ServerResponse, answer: SimAnswer) {
  if (res.destroyed) return;
  res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
  const raw = typeof answer.body === "string" && answer.headers?.["content-type"] !== undefined;
  res.end(answer.body === null ? undefined : raw ? answer.body : JSON.stringify(answer.body));
}
