import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEY, startHarness } from "../local/harness.ts";
import { runToExit } from "./run-to-exit.ts";

/** The MCP Inspector's CLI, as the README shows it, driving the bridge against the local runtime. */

const INSPECTOR = new URL(
  "../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js",
  import.meta.url,
).pathname;
const BRIDGE = new URL("../../client/bridge.ts", import.meta.url).pathname;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

/** The Inspector passes a stdio server only the environment it is given with -e. */
const inspect = (...args: string[]) =>
  runToExit(
    [
      INSPECTOR,
      "--cli",
      "-e",
      `REZ_AGENT_MCP_ENDPOINT=${harness.runtime.mcpUrl}`,
      "-e",
      `REZ_AGENT_MCP_API_KEY=${KEY}`,
      "-e",
      "REZ_AGENT_MCP_CONFIG=/nonexistent/config.json",
      process.execPath,
      BRIDGE,
      ...args,
    ],
    process.env,
  );

describe("the MCP Inspector CLI through the bridge", () => {
  it("lists the tools", async () => {
    const { code, stdout } = await inspect("--method", "tools/list");
    expect(code).toBe(0);
    const names = (JSON.parse(stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toContain("golf_book_tee_time");
    expect(names).toContain("get_weather");
  });

  it("calls the HTTP endpoint directly, with the API key as a header", async () => {
    const { code, stdout, stderr } = await runToExit(
      [
        INSPECTOR,
        "--cli",
        harness.runtime.mcpUrl,
        "--header",
        `x-api-key: ${KEY}`,
        "--method",
        "tools/call",
        "--tool-name",
        "get_weather",
        "--tool-arg",
        "location=Sample Links",
      ],
      { ...process.env, HOME: process.env.HOME ?? "/tmp" },
    );
    expect(stderr).not.toMatch(/401/);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { structuredContent: { location: { name: string } } };
    expect(result.structuredContent.location.name).toBe("Sample Links");
  });

  it.each([
    [
      "a wrong key",
      "x-api-key: not-the-key",
      /Wrong API key: the key sent in x-api-key is not one this server knows/,
    ],
    ["no key", "x-other: none", /No API key: send your key in the x-api-key header/],
  ])("shows %s as such, not as an OAuth failure", async (_, header, message) => {
    const { code, stdout, stderr } = await runToExit(
      [INSPECTOR, "--cli", harness.runtime.mcpUrl, "--header", header, "--method", "tools/list"],
      { ...process.env, HOME: process.env.HOME ?? "/tmp" },
    );
    expect(code).not.toBe(0);
    expect(`${stdout}${stderr}`).toMatch(message);
    expect(`${stdout}${stderr}`).not.toMatch(/OAuth|auth_required.*TTY|registration/i);
  });

  it("calls a tool", async () => {
    const { code, stdout } = await inspect(
      "--method",
      "tools/call",
      "--tool-name",
      "get_weather",
      "--tool-arg",
      "location=Sample Links",
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { structuredContent: { location: { name: string } } };
    expect(result.structuredContent.location.name).toBe("Sample Links");
  });
});
