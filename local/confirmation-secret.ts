import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The secret that signs booking confirmations (functions/core/confirmation.ts) on this machine: made once, at random,
 * in the data folder (owner-only), so a confirmation asked before a restart can still be answered after it.
 */
export async function localConfirmationSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, "confirmation.key");
  const existing = (await readFile(file, "utf8").catch(() => "")).trim();
  if (existing) return existing;
  const secret = randomBytes(32).toString("hex");
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    // Another start made it first: theirs is the one.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return (await readFile(file, "utf8")).trim();
    throw error;
  }
}
