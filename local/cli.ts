import { type ParseArgsConfig, parseArgs } from "node:util";

export interface Command {
  say(line: string): void;
  fail(message: string, code?: number): never;
}

/**
 * What every small command (courses, keys, service) prints with: a line out, or a named failure and an exit code.
 * Declare it `const cli: Command` so that `cli.fail(...)` ends control flow for the compiler too.
 */
export function command(name: string): Command {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const fail = (message: string, code = 1): never => {
    process.stderr.write(`rez-agent-mcp ${name}: ${message}\n`);
    process.exit(code);
  };
  return { say, fail };
}

/** The command's arguments, or its usage (exit 2) when they do not parse. */
export function argumentsOf<T extends ParseArgsConfig["options"]>(
  options: T,
  usage: string,
  fail: (m: string, c?: number) => never,
) {
  try {
    return parseArgs({ allowPositionals: true, options: options as NonNullable<T> });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${usage}`, 2);
  }
}
