import { type ChildProcess, spawn } from "node:child_process";
import { DEMO_GOLFER } from "../../local/simulators/cps-golf.ts";

const MAIN = new URL("../../local/main.ts", import.meta.url).pathname;

export interface ServerOptions {
  /** Node's own arguments, before the program (an `--import` that moves the clock). */
  nodeArgs?: string[];
  /** What the program prints when it is ready (default: the line with its MCP URL). */
  ready?: RegExp;
}

/**
 * `npm start`'s program as a child process (so it can be killed for real), signed in as the simulators' demo golfer
 * with `apiKey`; resolves with its MCP URL and what it printed once it is ready. The child is pushed onto `children`
 * for clean-up.
 */
export function startServer(
  args: string[],
  apiKey: string,
  children: ChildProcess[],
  env: Record<string, string> = {},
  options: ServerOptions = {},
): Promise<{ child: ChildProcess; mcpUrl: string; output: string }> {
  const ready = options.ready ?? /Listening on \S+\/mcp/;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN, "--port", "0", ...args], {
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
      if (match?.[1] && ready.test(output)) resolve({ child, mcpUrl: match[1], output });
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}
