import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DocumentSecrets } from "../../functions/core/secrets.ts";
import { loadLocalSecrets, UnsafeSecretsFile } from "../../local/secrets.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-secrets-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function secretsFile(content: unknown, mode = 0o600) {
  const file = join(dir, "secrets.json");
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  await chmod(file, mode);
  return file;
}

describe("local secrets", () => {
  it("keeps each named golfer's credentials and topic apart from the default golfer's, and refuses a bad golfer id", async () => {
    const file = await secretsFile({
      golf: { default: { username: "owner@example.com", password: "owner-pw" } },
      golfers: {
        alice: {
          golf: { default: { username: "alice@example.com", password: "alice-pw" } },
          ntfyTopic: "alice-7f",
        },
      },
    });
    const secrets = new DocumentSecrets(await loadLocalSecrets(file, { NTFY_TOKEN: "tk_env" }));
    expect((await secrets.golfCredentials("alice", "any"))?.username).toBe("alice@example.com");
    expect((await secrets.golfCredentials("default", "any"))?.username).toBe("owner@example.com");
    expect(await secrets.golfCredentials("bob", "any")).toBeUndefined();
    expect(await secrets.ntfyTopic("alice")).toBe("alice-7f");
    expect(await secrets.ntfyToken("alice")).toBe("tk_env");
    expect(await secrets.ntfyToken("bob")).toBeUndefined();
    const bad = await secretsFile({ golfers: { "Alice Smith": {} } });
    await expect(loadLocalSecrets(bad, {})).rejects.toThrow(/golfer id/);
  });

  it("reads per-course and default credentials from a 0600 file, the environment winning", async () => {
    const file = await secretsFile({
      ntfyToken: "tk_file",
      golf: {
        default: { username: "file@example.com", password: "file-pw" },
        "sample-links": { username: "links@example.com", password: "links-pw", clientSecret: "cs" },
      },
    });
    const secrets = new DocumentSecrets(await loadLocalSecrets(file, { NTFY_TOKEN: "tk_env" }));
    expect(await secrets.ntfyToken("default")).toBe("tk_env");
    expect(await secrets.golfCredentials("default", "sample-links")).toEqual({
      username: "links@example.com",
      password: "links-pw",
      clientSecret: "cs",
    });
    expect(await secrets.golfCredentials("default", "elsewhere")).toEqual({
      username: "file@example.com",
      password: "file-pw",
    });
  });

  it.each([0o644, 0o640, 0o604])(
    "refuses to start with a file of mode %o, saying how to fix it",
    async (mode) => {
      const file = await secretsFile({ ntfyToken: "tk" }, mode);
      const error = await loadLocalSecrets(file, {}).catch((e: Error) => e);
      expect(error).toBeInstanceOf(UnsafeSecretsFile);
      expect((error as Error).message).toContain(`chmod 600 ${file}`);
    },
  );

  it("refuses a file that is not JSON without quoting it", async () => {
    const file = await secretsFile('{"golf": {"default": {"password": "hunter2"');
    const error = (await loadLocalSecrets(file, {}).catch((e: Error) => e)) as Error;
    expect(error.message).toContain("is not valid JSON");
    expect(error.message).not.toContain("hunter2");
  });

  it("refuses credentials missing a field, naming the field and not the value", async () => {
    const file = await secretsFile({ golf: { default: { username: "me@example.com" } } });
    const error = (await loadLocalSecrets(file, {}).catch((e: Error) => e)) as Error;
    expect(error.message).toContain('"golf.default.password" must be a string');
    expect(error.message).not.toContain("me@example.com");
  });

  it("uses the environment alone when the default file does not exist", async () => {
    const env = { CPS_GOLF_USERNAME: "env@example.com", CPS_GOLF_PASSWORD: "env-pw" };
    const document = await loadLocalSecrets(join(dir, "missing.json"), env);
    expect(document.golf?.default).toEqual({ username: "env@example.com", password: "env-pw" });
  });

  it("requires a file that was asked for by name", async () => {
    await expect(loadLocalSecrets(join(dir, "missing.json"), {}, { required: true })).rejects.toThrow(
      /Cannot read the secrets file/,
    );
  });

  it("refuses half a set of credentials in the environment", async () => {
    await expect(loadLocalSecrets(undefined, { CPS_GOLF_USERNAME: "me" })).rejects.toThrow(
      "CPS_GOLF_USERNAME and CPS_GOLF_PASSWORD must be set together",
    );
  });
});
