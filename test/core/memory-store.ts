import type { RequestStore } from "../../functions/core/ports.ts";
import type { RequestRecord, Settlement } from "../../functions/core/record.ts";
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
  async settle(id: string, settlement: Settlement, at: string) {
    const record = this.records.get(id);
    if (!record || isTerminal(record.status)) return false;
    Object.assign(record, settlement, { lastUpdatedAt: at });
    return true;
  }
  async listByStatus(status: RequestRecord["status"]) {
    return [...this.records.values()].filter((r) => r.status === status);
  }
  async listByOwner(owner: string) {
    return { records: [...this.records.values()].filter((r) => r.owner === owner).reverse() };
  }
}
