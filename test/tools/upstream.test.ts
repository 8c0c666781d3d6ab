import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamUnavailable } from "../../functions/core/errors.ts";
import { printable, UpstreamClient, type UpstreamRequest } from "../../functions/tools/upstream.ts";
import { type Simulator, startSimulator } from "../../local/simulators/sim-server.ts";

let echo: Simulator;
/** An upstream that refuses every request, quoting back what it was sent (its Authorization, its body). */
let parrot: Simulator;
beforeAll(async () => {
  echo = await startSimulator((url, request, body) => ({
    status: 200,
    body: { method: request.method, type: request.headers["content-type"] ?? null, body, path: url.pathname },
  }));
  parrot = await startSimulator((_, request, body) => ({
    status: 400,
    // As some sites do: the token alone, without its scheme.
    body: { message: `refused token ${request.headers.authorization?.split(" ")[1] ?? ""} and ${body}` },
  }));
});
afterAll(async () => {
  await echo.close();
  await parrot.close();
});

const client = () => new UpstreamClient({ fetch, userAgent: "test", timeoutMs: 1_000, cacheTtlMs: 0 });

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("an upstream quoting back what it was sent", () => {
  /** The message of the parrot's refusal of a request, as the client reports it. */
  const refusalOf = (request: Partial<UpstreamRequest>) =>
    client()
      .request({ label: "The site", upstream: "x", url: `${parrot.url}/a`, ...request })
      .then(
        () => "",
        (error: Error) => String(error),
      );

  it("never has the bare token of an Authorization header in its message", async () => {
    const token = "opaque-session-4f2a9c71d3";
    const refused = await refusalOf({ headers: { authorization: `Session ${token}` } });
    expect(String(refused)).toMatch(/refused the request \(HTTP 400\)/);
    expect(String(refused)).not.toContain(token);
  });

  it("never has a declared secret in its message, whether quoted as sent or JSON-escaped", async () => {
    const password = 'pa"ss\\word-91';
    const refused = await refusalOf({ json: { password }, secrets: [password] });
    // The body went as JSON: the upstream quotes the escaped form back.
    expect(JSON.stringify(password).slice(1, -1)).not.toBe(password);
    expect(String(refused)).not.toContain(JSON.stringify(password).slice(1, -1));
    expect(String(refused)).not.toContain(password);
  });
});

describe("UpstreamClient.request", () => {
  it("posts JSON and forms with their content types", async () => {
    const json = await client().request({ label: "x", upstream: "x", url: `${echo.url}/a`, json: { a: 1 } });
    expect(json.body).toEqual({ method: "POST", type: "application/json", body: '{"a":1}', path: "/a" });
    const form = await client().request({
      label: "x",
      upstream: "x",
      url: `${echo.url}/b`,
      form: { u: "a b" },
    });
    expect(form.body).toMatchObject({ type: "application/x-www-form-urlencoded", body: "u=a+b" });
  });

  it("says a request that never connected was not delivered (safe to send again)", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/`;
    const error = await client()
      .request({ label: "x", upstream: "x", url, json: {} })
      .catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailable);
    expect(error.details.delivered).toBe("no");
  });

  it("says a request whose connection dropped may have been delivered", async () => {
    echo.fail({ kind: "drop" }, 1);
    const error = await client()
      .request({ label: "x", upstream: "x", url: echo.url, json: {} })
      .catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailable);
    expect(error.details.delivered).toBe("unknown");
  });
});

describe("printable upstream text", () => {
  it.each([
    ["  two\n lines ", "two lines"],
    [
      "Golfer me.golfer+1@example.co.uk already has a reservation",
      "Golfer [email] already has a reservation",
    ],
    ["x".repeat(300), "x".repeat(200)],
  ])("%j becomes %j", (text, expected) => {
    expect(printable(text)).toBe(expected);
  });
});
