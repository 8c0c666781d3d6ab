import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashedKeyAuthenticator, readKeys } from "../../local/api-keys.ts";
import { runToExit } from "../client/run-to-exit.ts";

/** npm run keys: a key bound to a golfer, shown once, stored hashed, and listed with the golfer it acts as. */

const CLI = new URL("../../local/keys/main.ts", import.meta.url).pathname;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-keys-"));
  await writeFile(
    join(dir, "secrets.json"),
    JSON.stringify({
      golfers: { alice: { golf: { default: { username: "a@example.com", password: "pw" } } } },
    }),
    { mode: 0o600 },
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const keys = (...args: string[]) =>
  runToExit([CLI, ...args, "--data-dir", dir], { PATH: process.env.PATH ?? "" }, dir);

describe("npm run keys", () => {
  it("adds a key bound to a named golfer, stores only its hash (0600), and the key then acts as that golfer", async () => {
    const added = await keys("add", "--golfer", "alice");
    expect(added.code).toBe(0);
    const key = /^(rez_[A-Za-z0-9_-]{43})$/m.exec(added.stdout)?.[1] as string;
    expect(key).toBeDefined();
    expect(added.stdout).toMatch(/acts as golfer alice/);
    const file = join(dir, "api-keys.json");
    expect(await readFile(file, "utf8")).not.toContain(key);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const authenticator = new HashedKeyAuthenticator(await readKeys(file), ["alice"]);
    const principal = await authenticator.authenticate(
      new Request("http://x/", { headers: { "x-api-key": key } }),
    );
    expect(principal?.golfer).toBe("alice");
    const listed = await keys("list");
    expect(listed.stdout).toMatch(/golfer: alice/);
  });

  it("refuses a golfer the secrets do not name, and says where to add it", async () => {
    const refused = await keys("add", "--golfer", "bob");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no golfer "bob" in the secrets/);
  });

  it("lists an unbound key as having no golf account once golfers are named", async () => {
    await keys("add");
    expect((await keys("list")).stdout).toMatch(/golfer: none \(no golf account\)/);
  });
});
