import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf-types.ts";
import { type Harness, OTHER_KEY, startHarness } from "./harness.ts";
import { ELICITS, META, metaWith, modernClient } from "./modern-client.ts";

/**
 * Confirmation before booking by MCP 2026-07-28's multi round-trip requests: a client that can ask its user is
 * asked first; nothing is recorded, held or booked until the user accepts, and a declined call ends cleanly.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const modern = modernClient(() => harness.runtime.mcpUrl);
const site = () => harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
const inDays = (days: number) => addDays(localParts("America/Los_Angeles", new Date()).date, days);
const booked = (teeSheetId: number) =>
  site().reservations.filter((r) => r.teeSheetId === teeSheetId && r.by === "golfer" && !r.cancelled);
const call = (args: Record<string, unknown>, meta: Record<string, unknown> = ELICITS, more = {}) =>
  modern("tools/call", { name: "golf_book_tee_time", arguments: args, ...more }, {}, meta);
const answerWith = (action: string, requestState: string) => ({
  requestState,
  inputResponses: { confirm: { action, ...(action === "accept" ? { content: {} } : {}) } },
});
const myCalls = async () => {
  const { body } = await modern("tools/call", { name: "list_requests", arguments: {} });
  return body.result.structuredContent.requests as { tool: string }[];
};

describe("confirmation before booking", () => {
  it("asks first, telling the tee time, players and price from the golfer's search, and books nothing yet", async () => {
    const date = inDays(5);
    const teeSheetId = site().teeSheetId(date, "10:00");
    const search = await modern("tools/call", {
      name: "golf_search_tee_times",
      arguments: { date, players: 2 },
    });
    const listed = search.body.result.structuredContent.teeTimes.find(
      (t: { teeSheetId: number }) => t.teeSheetId === teeSheetId,
    );
    const callsBefore = (await myCalls()).length;

    const { status, body } = await call({ teeSheetId, players: 2 });
    expect(status).toBe(200);
    expect(body.result.resultType).toBe("input_required");
    expect(body.result.requestState).toEqual(expect.any(String));
    const request = body.result.inputRequests.confirm;
    expect(request.method).toBe("elicitation/create");
    expect(request.params.requestedSchema).toEqual({ type: "object", properties: {} });
    expect(request.params.message).toContain(`${date} at 10:00`);
    expect(request.params.message).toContain("2 players");
    expect(request.params.message).toContain(`$${listed.price.toFixed(2)} a player`);
    expect(request.params.message).toContain(`$${(listed.price * 2).toFixed(2)} due at the course`);
    expect(booked(teeSheetId)).toEqual([]);
    expect(await myCalls()).toHaveLength(callsBefore);
  });

  it("books once the user accepts, and the same accepted state again answers that booking, never a second", async () => {
    const teeSheetId = site().teeSheetId(inDays(6), "10:00");
    const asked = await call({ teeSheetId, players: 1 });
    const state = asked.body.result.requestState as string;

    const first = await call({ teeSheetId, players: 1 }, ELICITS, answerWith("accept", state));
    expect(first.body.result.resultType).toBe("complete");
    expect(first.body.result.isError).toBeFalsy();
    const reservationId = first.body.result.structuredContent.reservationId;
    expect(reservationId).toEqual(expect.any(Number));

    const replay = await call({ teeSheetId, players: 1 }, ELICITS, answerWith("accept", state));
    expect(replay.body.result.structuredContent.reservationId).toBe(reservationId);
    expect(replay.body.result._meta["rez-agent-mcp/requestId"]).toBe(
      first.body.result._meta["rez-agent-mcp/requestId"],
    );
    expect(booked(teeSheetId)).toHaveLength(1);
  });

  it("ends a declined call cleanly: a tool error that says nothing was booked, and no record", async () => {
    const teeSheetId = site().teeSheetId(inDays(7), "10:00");
    const asked = await call({ teeSheetId, players: 1 });
    const callsBefore = (await myCalls()).length;
    for (const action of ["decline", "cancel"]) {
      const { body } = await call(
        { teeSheetId, players: 1 },
        ELICITS,
        answerWith(action, asked.body.result.requestState),
      );
      expect(body.result.resultType).toBe("complete");
      expect(body.result.isError).toBe(true);
      expect(body.result.content[0].text).toMatch(/^Not booked: .*Nothing was held or booked\.$/);
    }
    expect(booked(teeSheetId)).toEqual([]);
    expect(await myCalls()).toHaveLength(callsBefore);
  });

  it("asks again when the retry carries no answer to its question", async () => {
    const teeSheetId = site().teeSheetId(inDays(8), "10:00");
    const asked = await call({ teeSheetId, players: 1 });
    const { body } = await call({ teeSheetId, players: 1 }, ELICITS, {
      requestState: asked.body.result.requestState,
      inputResponses: { somethingElse: { action: "accept" } },
    });
    expect(body.result.resultType).toBe("input_required");
    expect(booked(teeSheetId)).toEqual([]);
  });

  it("refuses a state that was tampered with, issued to another key, or issued for other arguments (-32602)", async () => {
    const teeSheetId = site().teeSheetId(inDays(9), "10:00");
    const state = (await call({ teeSheetId, players: 1 })).body.result.requestState as string;
    const [body, mac] = state.split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString());
    const forged = `${Buffer.from(JSON.stringify({ ...payload, e: payload.e + 3_600_000 })).toString("base64url")}.${mac}`;
    const refusals = [
      await call({ teeSheetId, players: 1 }, ELICITS, answerWith("accept", `${state}-TAMPERED`)),
      await call({ teeSheetId, players: 1 }, ELICITS, answerWith("accept", forged)),
      await call({ teeSheetId, players: 2 }, ELICITS, answerWith("accept", state)),
      await modern(
        "tools/call",
        { name: "golf_book_tee_time", arguments: { teeSheetId, players: 1 }, ...answerWith("accept", state) },
        { "x-api-key": OTHER_KEY },
        ELICITS,
      ),
    ];
    for (const refused of refusals) {
      expect(refused.body.error.code).toBe(-32602);
      expect(refused.body.error.message).toMatch(/^Invalid requestState: /);
    }
    expect(booked(teeSheetId)).toEqual([]);
  });

  it("refuses inputResponses that are not a map of response objects (-32602), and runs nothing", async () => {
    const teeSheetId = site().teeSheetId(inDays(9), "10:10");
    const state = (await call({ teeSheetId, players: 1 })).body.result.requestState as string;
    for (const inputResponses of [{ confirm: 12345 }, null, "accept"]) {
      const { body } = await call({ teeSheetId, players: 1 }, ELICITS, {
        requestState: state,
        inputResponses,
      });
      expect(body.error.code).toBe(-32602);
      expect(body.error.message).toMatch(/inputResponses must map/);
    }
    expect(booked(teeSheetId)).toEqual([]);
  });

  it("asks about a scheduled booking's plan, and not about a watch that only tells", async () => {
    const date = inDays(20);
    const scheduled = await modern(
      "tools/call",
      {
        name: "golf_book_when_open",
        arguments: { date, players: 3, startTime: "07:00", endTime: "10:00", maxPrice: 60 },
      },
      {},
      ELICITS,
    );
    expect(scheduled.body.result.resultType).toBe("input_required");
    const message = scheduled.body.result.inputRequests.confirm.params.message as string;
    expect(message).toContain(`on ${date} between 07:00 and 10:00 for 3 players`);
    expect(message).toContain("at most $60.00 a player");

    const onlyTells = await modern(
      "tools/call",
      {
        name: "golf_watch_tee_times",
        arguments: { date, until: `${date}T12:00:00-08:00`, book: false },
      },
      {},
      ELICITS,
    );
    expect(onlyTells.body.result.resultType).not.toBe("input_required");
    await modern("tools/call", {
      name: "cancel_request",
      arguments: { requestId: onlyTells.body.result._meta["rez-agent-mcp/requestId"] },
    });
  });

  it("books at once for a client that cannot ask, or that asks only by URL", async () => {
    for (const meta of [META, metaWith({ elicitation: { url: {} } })]) {
      const teeSheetId = site().teeSheetId(inDays(10), meta === META ? "10:00" : "10:10");
      const { body } = await call({ teeSheetId, players: 1 }, meta);
      expect(body.result.resultType).toBe("complete");
      expect(booked(teeSheetId)).toHaveLength(1);
    }
  });

  it("books at once when the server's setting turns confirmation off, and a state asked before a restart still works", async () => {
    const teeSheetId = site().teeSheetId(inDays(11), "10:00");
    const state = (await call({ teeSheetId, players: 1 })).body.result.requestState as string;
    await harness.restart();
    const accepted = await call({ teeSheetId, players: 1 }, ELICITS, answerWith("accept", state));
    expect(accepted.body.result.structuredContent.reservationId).toEqual(expect.any(Number));

    await harness.restart({ front: { confirmBookings: false } });
    const other = site().teeSheetId(inDays(11), "10:10");
    const { body } = await call({ teeSheetId: other, players: 1 });
    expect(body.result.resultType).toBe("complete");
    expect(booked(other)).toHaveLength(1);
    await harness.restart();
  });
});
