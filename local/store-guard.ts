import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { ClassicLevel } from "classic-level";

/** A reason the server cannot start, said in one line: what is wrong, where, and what to do. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

const PID_FILE = "server.pid";
const MANIFEST_FILE = "store-manifest.json";

/**
 * Opens the store's LevelDB once before dynalite does, because dynalite reports a store it cannot open by throwing
 * from a request handler (the process dies with a stack trace naming neither cause nor path). Here the cause is
 * named: held by another server (and which), unreadable, read-only, or damaged.
 */
export async function checkStoreOpens(storePath: string, dataDir: string): Promise<void> {
  const db = new ClassicLevel(storePath);
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.message ?? (error as Error).message;
    if (cause?.code === "LEVEL_LOCKED") {
      const pid = (await readFile(join(dataDir, PID_FILE), "utf8").catch(() => "")).trim();
      const holder = pid ? `another rez-agent-mcp (process ${pid})` : "another process";
      throw new StartupError(
        `the data folder ${dataDir} is in use by ${holder}; stop it, or start this one with another --data-dir`,
      );
    }
    if (cause?.code === "LEVEL_CORRUPTION") {
      throw new StartupError(`the store in ${storePath} is damaged (${detail}); ${MOVE_ASIDE}`);
    }
    if (/permission denied|read-only|EACCES|EROFS/i.test(detail)) {
      throw new StartupError(
        `the store in ${storePath} cannot be opened for writing (${detail}); give this user read and write access to it`,
      );
    }
    throw new StartupError(`the store in ${storePath} cannot be opened (${detail})`);
  } finally {
    await db.close().catch(() => {});
  }
}

const MOVE_ASIDE =
  "move the data folder aside (or restore it from a backup) and start again; a new folder starts empty";

/**
 * Keeps the number of request records beside the store, and checks it at start. Locally request records are never
 * deleted, so a store that holds fewer than it held when the count was last written has lost some: LevelDB itself
 * reads past a damaged log without a word (half a log: half the records, flipped bytes: none).
 */
export class RecordCount {
  readonly #file: string;
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(dataDir: string, client: DynamoDBClient, table: string) {
    this.#file = join(dataDir, MANIFEST_FILE);
    this.#client = client;
    this.#table = table;
  }

  /** Throws a StartupError when records are missing; otherwise notes the count. */
  async verify(storePath: string): Promise<number> {
    const held = await this.#count();
    const noted = await this.#noted();
    if (noted !== undefined && held < noted) {
      throw new StartupError(
        `the store in ${storePath} is damaged: it holds ${held} request records, but held ${noted} when last checked; ${MOVE_ASIDE}`,
      );
    }
    await this.#write(held);
    return held;
  }

  /** Notes the current count (at intervals, and at a clean stop). */
  async note(): Promise<void> {
    await this.#write(await this.#count());
  }

  async #count(): Promise<number> {
    let count = 0;
    let start: Record<string, never> | undefined;
    do {
      const page = await this.#client.send(
        new ScanCommand({ TableName: this.#table, Select: "COUNT", ExclusiveStartKey: start }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return count;
  }

  async #noted(): Promise<number | undefined> {
    try {
      const value = (JSON.parse(await readFile(this.#file, "utf8")) as { requestRecords?: unknown })
        .requestRecords;
      return typeof value === "number" ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async #write(count: number): Promise<void> {
    const body = JSON.stringify({ requestRecords: count, at: new Date().toISOString() });
    await writeFile(this.#file, `${body}\n`, { mode: 0o600 });
  }
}

/** Writes this process's id beside the store, so a second server can say which process holds it. */
export async function notePid(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, PID_FILE);
  await writeFile(file, `${process.pid}\n`, { mode: 0o600 });
  return () => rm(file, { force: true });
}
