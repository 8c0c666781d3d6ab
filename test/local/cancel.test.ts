import { afterEach, describe, expect, it, vi } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import type { NtfySimulator } from "../../local/simulators/ntfy.ts";
import { callTool, getStatus, type Harness, KEY, readEvents, startHarness } from "./harness.ts";

/**
 * The honest-cancel rule, through the local runtime's state machine, store, bus and simulators. (A cancel that lands
 * before the booking step is proven in test/statemachines and test/core: the mark finds the call cancelled.)
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function threeDaysAhead(site: GolfSimulator): number {
  const date = addDays(localParts("America/Los_Angeles", new Date()).date, 3);
  return site.teeSheetId(date, "09:00");
}

async function startBooking(h: Harness, teeSheetId: number): Promise<string> {
  const answer = (await (
    await callTool(h.runtime, "golf_book_tee_time", { teeSheetId, players: 2 })
  ).json()) as { result: { _meta: Record<string, string>; structuredContent: { status: string } } };
  expect(answer.result.structuredContent.status).toBe("working");
  return answer.result._meta[REQUEST_ID_META_KEY] as string;
}

const cancel = (h: Harness, id: string) =>
  fetch(`${h.runtime.mcpUrl}/status/${id}/cancel`, { method: "POST", headers: { "x-api-key": KEY } });

describe("cancelling a booking", () => {
  it("once ReserveTeeTimes is under way, says it may still complete, then records the booking, one event, one push", async () => {
    harness = await startHarness({ front: { syncBudgetMs: 100 } });
    const site = harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
    const ntfy = harness.runtime.simulators.ntfy as NtfySimulator;
    site.fail({ kind: "slow", delayMs: 1_500, path: ["ReserveTeeTimes"] });
    const teeSheetId = threeDaysAhead(site);
    const id = await startBooking(harness, teeSheetId);
    await vi.waitFor(() => expect(site.requests.some((r) => r.endsWith("ReserveTeeTimes"))).toBe(true), {
      timeout: 5_000,
    });

    const answer = await cancel(harness, id);
    expect(answer.status).toBe(202);
    const view = (await answer.json()) as { status: string; statusMessage: string };
    expect(view.status).toBe("working");
    expect(view.statusMessage).toMatch(/had already started, so it may still complete/);

    const final = (await (await getStatus(harness.runtime, id, "?wait=10")).json()) as {
      status: string;
      result: { structuredContent: { teeSheetId: number } };
    };
    expect(final.status).toBe("completed");
    expect(final.result.structuredContent.teeSheetId).toBe(teeSheetId);
    expect(site.reservations.filter((r) => r.teeSheetId === teeSheetId)).toHaveLength(1);
    await vi.waitFor(
      () => expect(ntfy.received.filter((m) => m.title === "Tee time booked")).toHaveLength(1),
      { timeout: 5_000 },
    );
    const events = (await readEvents(harness.runtime)).filter((e) => e.detail.requestId === id);
    expect(events.map((e) => e["detail-type"])).toEqual(["Tool Call Completed"]);
  });
});
