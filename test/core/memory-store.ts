import type { JsonObject } from "../../functions/core/json.ts";
import { InvalidCursor, type RecordPage, type RequestStore } from "../../functions/core/ports.ts";
import type {
  EventFields,
  PendingInput,
  PushReceipt,
  RequestRecord,
  Settlement,
} from "../../functions/core/record.ts";
import { isTerminal } from "../../functions/core/status.ts";

/** The request store's contract, in memory. */
export class MemoryStore implements RequestStore {
  readonly records = new Map<string, RequestRecord>();
  async create(record: RequestRecord) {
    const existing = this.records.get(record.id);
    if (existing) return { created: false as const, existing };
    this.records.set(record.id, structuredClone(record));
    return { created: true as const };
  }
  async get(id: string) {
    const record = this.records.get(id);
    return record && structuredClone(record);
  }
  async settle(id: string, settlement: Settlement, at: string, event: EventFields) {
    const record = this.records.get(id);
    if (!record || isTerminal(record.status)) return false;
    Object.assign(record, settlement, {
      lastUpdatedAt: at,
      outbox: "pending",
      settledAt: at,
      eventSummary: event.summary,
      eventDurationMs: event.durationMs,
    });
    delete record.workingSince;
    return true;
  }
  async cancelBeforeStart(id: string, statusMessage: string, at: string, event: EventFields) {
    const record = this.records.get(id);
    if (!record || record.toolStartedAt) return false;
    if (!(await this.settle(id, { status: "cancelled", statusMessage }, at, event))) return false;
    delete record.input;
    return true;
  }
  async noteInput(id: string, input: PendingInput, statusMessage: string, at: string) {
    const record = this.records.get(id);
    if (record?.status !== "input_required") return false;
    Object.assign(record, { input: structuredClone(input), statusMessage, lastUpdatedAt: at });
    return true;
  }
  async resumeWithInput(id: string, args: JsonObject, statusMessage: string, at: string) {
    const record = this.records.get(id);
    if (record?.status !== "input_required") return false;
    Object.assign(record, {
      status: "working",
      arguments: args,
      statusMessage,
      lastUpdatedAt: at,
      workingSince: at,
    });
    delete record.input;
    return true;
  }
  async listPendingEvents(before: string, limit = 100) {
    return [...this.records.values()]
      .filter((r) => r.outbox === "pending" && String(r.settledAt) < before)
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }
  async notePush(id: string, receipt: PushReceipt) {
    const record = this.records.get(id);
    if (record) record.push = structuredClone(receipt);
  }
  async markEventSent(id: string) {
    const record = this.records.get(id);
    if (record) delete record.outbox;
  }
  async annotate(id: string, note: { statusMessage: string; cancelRequestedAt?: string }, at: string) {
    const record = this.records.get(id);
    if (!record || isTerminal(record.status)) return false;
    Object.assign(record, note, { lastUpdatedAt: at });
    return true;
  }
  async listWorking(before: string, limit = 100) {
    return [...this.records.values()]
      .filter((r) => r.workingSince !== undefined && r.workingSince < before)
      .sort((a, b) => String(a.workingSince).localeCompare(String(b.workingSince)))
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }
  /** Newest first; the cursor names the owner and the last record read, as the DynamoDB store's does. */
  async listByOwner(owner: string, page: { limit: number; cursor?: string }): Promise<RecordPage> {
    const newestFirst = [...this.records.values()]
      .filter((r) => r.owner === owner)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    let from = 0;
    if (page.cursor) {
      const after = cursorOf(page.cursor, owner);
      from = newestFirst.findIndex((r) => r.id === after) + 1;
      if (from === 0) throw new InvalidCursor("The cursor is not valid for this list");
    }
    const records = newestFirst.slice(from, from + page.limit).map((r) => structuredClone(r));
    const last = records.at(-1);
    return from + page.limit < newestFirst.length && last
      ? { records, nextCursor: Buffer.from(JSON.stringify({ owner, id: last.id })).toString("base64url") }
      : { records };
  }
}

function cursorOf(cursor: string, owner: string): string {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as {
      owner?: unknown;
      id?: unknown;
    };
    if (key.owner === owner && typeof key.id === "string") return key.id;
  } catch {
    // fall through
  }
  throw new InvalidCursor("The cursor is not valid for this list");
}
