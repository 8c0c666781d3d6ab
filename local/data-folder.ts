import { chmod, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The data folder: who may read it, where the store's socket lives, what a file system error means. */

/** What a file system error means for the data folder, said for a person. */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EROFS") return "is on a read-only disk; start with a --data-dir on a writable one";
  if (code === "EACCES" || code === "EPERM")
    return "cannot be written by this user; fix its owner or permissions";
  if (code === "ENOSPC") return "is on a full disk; free some space";
  return `cannot be prepared (${(error as Error).message})`;
}

/** Replaces a file whole (owner-only): a crash leaves the old text or the new one, never half of one. */
export async function replaceFile(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** Makes a folder and everything in it readable by its owner alone (folders 0700, files 0600). */
export async function ownerOnly(folder: string): Promise<void> {
  await chmod(folder, 0o700);
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) await chmod(path, 0o700);
    else if (entry.isFile()) await chmod(path, 0o600);
  }
}

/**
 * The store's Unix socket: in the data folder (0700), unless its path would pass the 104-108 bytes a socket path
 * may have; then in a fresh 0700 folder of its own.
 */
export async function storeSocketPath(dataDir: string, cleanups: (() => Promise<void>)[]): Promise<string> {
  const inData = join(resolve(dataDir), "dynamodb.sock");
  if (Buffer.byteLength(inData) <= 100) return inData;
  const folder = await mkdtemp(join(tmpdir(), "rez-agent-mcp-"));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  return join(folder, "dynamodb.sock");
}
