import type { RequestStore } from "../../functions/core/ports.ts";
import type { EventFields, RequestRecord, Settlement } from "../../functions/core/record.ts";
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
    return this.settle(id, { status: "cancelled", statusMessage }, at, event);
  }
  async listPendingEvents(before: string) {
    return [...this.records.values()].filter((r) => r.outbox === "pending" && String(r.settledAt) < before);
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
  async listWorking(before: string) {
    return [...this.records.values()]
      .filter((r) => r.workingSince !== undefined && r.workingSince < before)
      .sort((a, b) => String(a.workingSince).localeCompare(String(b.workingSince)));
  }
  async listByOwner(owner: string) {
    return { records: [...this.records.values()].filter((r) => r.owner === owner).reverse() };
  }
}
