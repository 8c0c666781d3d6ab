import { spawn } from "node:child_process";

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program with stdin closed until it exits, collecting what it printed. */
export function runToExit(
  args: string[],
  env: Record<string, string | undefined>,
  cwd?: string,
): Promise<Exited> {
  const child = spawn(process.execPath, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
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
