/**
 * npm run keys -- add [--golfer <id>] [--data-dir <dir>]
 * npm run keys -- list [--data-dir <dir>]
 *
 * The local server's API keys: one more key (shown once, stored hashed), bound to a golfer when given, and the list
 * of keys with the golfer each acts as (docs/golfers.md).
 */
import { join } from "node:path";
import { DEFAULT_GOLFER, golferOfKey } from "../../functions/core/golfers.ts";
import { namedGolfersOf } from "../../functions/core/secrets.ts";
import { addKey, readKeys } from "../api-keys.ts";
import { argumentsOf, type Command, command } from "../cli.ts";
import { loadLocalSecrets } from "../secrets.ts";

const USAGE = `Usage: npm run keys -- add [--golfer <id>] [--data-dir <dir>] [--secrets-file <file>]
       npm run keys -- list [--data-dir <dir>] [--secrets-file <file>]`;

const cli: Command = command("keys");
const { say } = cli;
const parsed = argumentsOf(
  {
    golfer: { type: "string" },
    "data-dir": { type: "string", default: ".rez-agent-mcp" },
    "secrets-file": { type: "string" },
  } as const,
  USAGE,
  cli.fail,
);
const [action] = parsed.positionals;
const flags = parsed.values;
if (action !== "add" && action !== "list") cli.fail(USAGE, 2);

const keysFile = join(flags["data-dir"], "api-keys.json");
try {
  const secrets = await loadLocalSecrets(
    flags["secrets-file"] ?? join(flags["data-dir"], "secrets.json"),
    process.env,
    { required: flags["secrets-file"] !== undefined },
  );
  const named = namedGolfersOf(secrets);
  if (action === "add") {
    const golfer = flags.golfer;
    if (golfer !== undefined && golfer !== DEFAULT_GOLFER && !named.includes(golfer)) {
      cli.fail(`no golfer "${golfer}" in the secrets: add it under "golfers" first (docs/golfers.md)`);
    }
    const { key, id } = await addKey(keysFile, golfer);
    say(`New API key ${id} (shown once; stored hashed in ${keysFile}):`);
    say(key);
    say(
      `It acts as golfer ${golferOfKey(golfer, named) ?? "none (no golf account)"}. Restart the server to use it.`,
    );
  } else {
    for (const key of await readKeys(keysFile)) {
      say(
        `${key.id}  created ${key.createdAt}  golfer: ${golferOfKey(key.golfer, named) ?? "none (no golf account)"}`,
      );
    }
  }
} catch (error) {
  cli.fail((error as Error).message);
}
