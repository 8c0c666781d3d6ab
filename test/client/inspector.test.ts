import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEY, startHarness } from "../local/harness.ts";

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

function inspect(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [INSPECTOR, "--cli", process.execPath, BRIDGE, ...args], {
    env: {
      ...process.env,
      REZ_AGENT_MCP_ENDPOINT: harness.runtime.mcpUrl,
      REZ_AGENT_MCP_API_KEY: KEY,
      REZ_AGENT_MCP_CONFIG: "/nonexistent/config.json",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

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
