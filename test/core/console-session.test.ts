import { describe, expect, it } from "vitest";
import { ConsoleSessions, SESSION_SECONDS } from "../../functions/core/console/session.ts";
import { TokenSigner } from "../../functions/core/signed-tokens.ts";

const secret = async () => "a-server-secret-for-tests";
const request = (cookie = "") =>
  new Request("http://127.0.0.1:3000/console/api/requests", { headers: cookie ? { cookie } : {} });

/** A session cookie's name=value, from a Set-Cookie. */
const cookieOf = (setCookie: string) => setCookie.split(";")[0] ?? "";

describe("a console session", () => {
  it("opens until it expires, and not a moment after", async () => {
    let now = 1_000_000;
    const sessions = new ConsoleSessions(secret, () => now);
    const cookie = cookieOf(await sessions.start({ owner: "key-a" }, request(), "/console"));
    expect((await sessions.read(request(cookie)))?.principal).toEqual({ owner: "key-a" });
    now += SESSION_SECONDS * 1000 - 1;
    expect(await sessions.read(request(cookie))).toBeDefined();
    now += 1;
    expect(await sessions.read(request(cookie))).toBeUndefined();
  });

  it("is not opened by another token the server signs with the same secret", async () => {
    const sessions = new ConsoleSessions(secret, () => 0);
    // The same payload, signed by the request-state signer (the secret itself, no purpose).
    const other = await new TokenSigner(secret).sign({ v: 1, o: "key-a", e: 10 ** 15, n: "x" });
    expect(await sessions.read(request(`rez_console=${other}`))).toBeUndefined();
  });

  it("has a CSRF token of its own: two sign-ins of one key never share one", async () => {
    const sessions = new ConsoleSessions(secret, () => 0);
    const a = cookieOf(await sessions.start({ owner: "key-a" }, request(), "/console"));
    const b = cookieOf(await sessions.start({ owner: "key-a" }, request(), "/console"));
    const [first, second] = [await sessions.read(request(a)), await sessions.read(request(b))];
    expect(first?.csrf).toMatch(/^[\w-]{43}$/);
    expect(first?.csrf).not.toBe(second?.csrf);
  });
});
