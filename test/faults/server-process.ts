import { type ChildProcess, spawn } from "node:child_process";
import { DEMO_GOLFER } from "../../local/simulators/cps-golf.ts";

const MAIN = new URL("../../local/main.ts", import.meta.url).pathname;

/**
 * `npm start`'s program as a child process (so it can be killed for real), signed in as the simulators' demo golfer
 * with `apiKey`; resolves with its MCP URL once it listens. The child is pushed onto `children` for clean-up.
 */
export function startServer(
  args: string[],
  apiKey: string,
  children: ChildProcess[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; mcpUrl: string }> {
  const child = spawn(process.execPath, [MAIN, "--port", "0", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      REZ_AGENT_MCP_API_KEY: apiKey,
      CPS_GOLF_USERNAME: DEMO_GOLFER.username,
      CPS_GOLF_PASSWORD: DEMO_GOLFER.password,
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (chunk) => {
      output += chunk;
      const match = /Listening on (\S+\/mcp)/.exec(output);
      if (match?.[1]) resolve({ child, mcpUrl: match[1] });
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}
