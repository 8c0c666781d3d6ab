import { execFile } from "node:child_process";
import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BuiltExtension, buildExtension, mcpb } from "../../client/extension/build.ts";
import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";
import { type Harness, KEY, startHarness } from "../local/harness.ts";

/**
 * The Claude Desktop extension as Claude Desktop runs it: built by `npm run mcpb`, accepted by the official mcpb CLI,
 * unpacked, and started by a plain `node` (20 and 22) with its user_config values substituted into its mcp_config.
 */

const ROOT = new URL("../../", import.meta.url).pathname;

let harness: Harness;
let out: string;
let built: BuiltExtension;
let unpacked: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "rez-mcpb-"));
  [harness, built] = await Promise.all([startHarness(), buildExtension(out)]);
  unpacked = join(out, "unpacked");
  await mcpb(["unpack", built.file, unpacked]);
}, 60_000);
afterAll(async () => {
  await harness?.close();
  await rm(out, { recursive: true, force: true });
});

/** A `node` on PATH other than the project's own, whose major version is `major`. */
async function systemNode(major: number): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    const candidate = join(dir, "node");
    try {
      await access(candidate);
      const { stdout } = await promisify(execFile)(candidate, ["--version"]);
      if (stdout.trim().startsWith(`v${major}.`)) return candidate;
    } catch {
      // not there, or not runnable
    }
  }
  return undefined;
}

/** Claude Desktop's substitution of ${__dirname} and ${user_config.*} into the manifest's mcp_config. */
function substitute(text: string, dir: string, userConfig: Record<string, string>): string {
  return text
    .replaceAll(`\${__dirname}`, dir)
    .replace(/\$\{user_config\.(\w+)\}/g, (_, key: string) => userConfig[key] ?? "");
}

describe("the Claude Desktop extension", () => {
  it("has a manifest the official mcpb CLI accepts, listing the server's tools and keeping the key sensitive", async () => {
    expect(await mcpb(["validate", join(built.dir, "manifest.json")])).toMatch(/validation passes/i);
    const manifest = JSON.parse(await readFile(join(unpacked, "manifest.json"), "utf8"));
    expect(manifest.tools.map((t: { name: string }) => t.name)).toEqual(TOOL_DEFINITIONS.map((t) => t.name));
    expect(manifest.user_config.api_key).toMatchObject({ sensitive: true, required: true });
    expect(manifest.user_config.endpoint.default).toBe("http://127.0.0.1:3000/mcp");
    expect(manifest.compatibility.runtimes.node).toBe(">=20.0.0");
    expect(manifest.privacy_policies.length).toBeGreaterThanOrEqual(3);
    const packageJson = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
    expect(manifest.version).toBe(packageJson.version);
  });

  it("is one JavaScript file that carries its packages and shares no server code beyond the wire shapes", () => {
    const sources = Object.keys(built.metafile.inputs)
      .map((input) => relative(ROOT, join(process.cwd(), input)))
      .filter((input) => !input.includes("node_modules"));
    expect(sources.every((s) => s.startsWith("client/") || s.startsWith("functions/core/"))).toBe(true);
    expect(sources.filter((s) => s.startsWith("functions/")).sort()).toEqual([
      "functions/core/call-result.ts",
      "functions/core/json.ts",
      "functions/core/loopback.ts",
      "functions/core/mcp-headers.ts",
      "functions/core/rpc-error.ts",
      "functions/core/status.ts",
    ]);
    expect(Object.keys(built.metafile.outputs).filter((o) => o.endsWith(".mjs"))).toHaveLength(1);
  });

  it.each([20, 22])(
    "started by a plain node %i with its user_config as environment, serves initialize, tools/list and a call",
    async (major) => {
      const node = major === 22 ? process.execPath : await systemNode(major);
      if (!node) {
        console.warn(`no node ${major} on PATH: the extension was not tried on it`);
        return;
      }
      const manifest = JSON.parse(await readFile(join(unpacked, "manifest.json"), "utf8"));
      const { args, env } = manifest.server.mcp_config as { args: string[]; env: Record<string, string> };
      const userConfig = { endpoint: harness.runtime.mcpUrl, api_key: KEY, answer_deadline: "45" };
      const transport = new StdioClientTransport({
        command: node,
        args: args.map((arg) => substitute(arg, unpacked, userConfig)),
        env: {
          PATH: "/usr/bin:/bin",
          HOME: out,
          ...Object.fromEntries(
            Object.entries(env).map(([name, value]) => [name, substitute(value, unpacked, userConfig)]),
          ),
        },
        stderr: "pipe",
      });
      const client = new Client({ name: "claude-desktop-stand-in", version: "1.0.0" });
      await client.connect(transport);
      try {
        expect(client.getServerVersion()?.name).toBe("rez-agent-mcp");
        const { tools } = await client.listTools();
        expect(tools).toHaveLength(TOOL_DEFINITIONS.length);
        const result = (await client.callTool({
          name: "get_weather",
          arguments: { location: "Sample Links" },
        })) as { structuredContent?: { location?: { name?: string } } };
        expect(result.structuredContent?.location?.name).toBe("Sample Links");
      } finally {
        await client.close();
      }
    },
    30_000,
  );
});
