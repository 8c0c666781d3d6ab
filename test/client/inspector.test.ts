import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEY, startHarness } from "../local/harness.ts";
import { runToExit } from "./run-to-exit.ts";

/** The MCP Inspector's CLI, as the README shows it, driving the bridge against the local runtime. */

const INSPECTOR = new URL(
  "../../node_modules/@modelcontextprotocol/inspector/cli/build/cli.js",
  import.meta.url,
).pathname;
const BRIDGE = new URL("../../client/bridge.ts", import.meta.url).pathname;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const inspect = (...args: string[]) =>
  runToExit([INSPECTOR, "--cli", process.execPath, BRIDGE, ...args], {
    ...process.env,
    REZ_AGENT_MCP_ENDPOINT: harness.runtime.mcpUrl,
    REZ_AGENT_MCP_API_KEY: KEY,
    REZ_AGENT_MCP_CONFIG: "/nonexistent/config.json",
  });

describe("the MCP Inspector CLI through the bridge", () => {
  it("lists the tools", async () => {
    const { code, stdout } = await inspect("--method", "tools/list");
    expect(code).toBe(0);
    const names = (JSON.parse(stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toContain("golf_book_tee_time");
    expect(names).toContain("get_weather");
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
