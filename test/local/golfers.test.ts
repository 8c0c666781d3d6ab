import { afterEach, describe, expect, it, vi } from "vitest";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import { DEMO_GOLFER, type SimGolfer } from "../../local/simulators/cps-golf-types.ts";
import type { NtfySimulator } from "../../local/simulators/ntfy.ts";
import { callTool, type Harness, KEY, OTHER_KEY, readEvents, startHarness, UNBOUND_KEY } from "./harness.ts";

/** Two golfers, each with a key: what one books, the other can neither see nor cancel, and each hears of its own. */

const ALICE: SimGolfer = {
  username: "alice@example.com",
  password: "alice-pw",
  golferId: 501,
  acct: "A-501",
  email: "alice@example.com",
};
const BOB: SimGolfer = {
  username: "bob@example.com",
  password: "bob-pw",
  golferId: 502,
  acct: "A-502",
  email: "bob@example.com",
};

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

type Answer = {
  result?: { isError?: boolean; content: { text: string }[]; structuredContent?: Record<string, unknown> };
  error?: { message: string };
};

async function call(h: Harness, key: string, name: string, args: unknown): Promise<Answer> {
  return (await (await callTool(h.runtime, name, args, { "x-api-key": key })).json()) as Answer;
}

const reservationsOf = async (h: Harness, key: string) =>
  ((await call(h, key, "golf_get_reservations", {})).result?.structuredContent?.reservations ?? []) as {
    reservationId: number;
  }[];

function twoGolfers() {
  return startHarness(
    {
      secrets: {
        golfers: {
          alice: {
            golf: { default: { username: ALICE.username, password: ALICE.password } },
            ntfyTopic: "alice-phone",
          },
          bob: {
            golf: { default: { username: BOB.username, password: BOB.password } },
            ntfyTopic: "bob-phone",
          },
        },
      },
      simulatedGolf: { golfers: [DEMO_GOLFER, ALICE, BOB] },
    },
    { alice: "alice", bob: "bob" },
  );
}

describe("golfers bound to keys", () => {
  it("books as the calling key's golfer: the other key lists none of it, cannot cancel it, and each phone hears only its own", async () => {
    harness = await twoGolfers();
    const site = harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
    const ntfy = harness.runtime.simulators.ntfy as NtfySimulator;
    const date = addDays(localParts("America/Los_Angeles", new Date()).date, 3);

    const booked = await call(harness, KEY, "golf_book_tee_time", {
      teeSheetId: site.teeSheetId(date, "09:00"),
      players: 2,
    });
    expect(booked.result?.isError).not.toBe(true);
    const reservationId = booked.result?.structuredContent?.reservationId as number;
    expect(site.reservations.find((r) => r.reservationId === reservationId)?.golferId).toBe(ALICE.golferId);

    expect((await reservationsOf(harness, KEY)).map((r) => r.reservationId)).toEqual([reservationId]);
    expect(await reservationsOf(harness, OTHER_KEY)).toEqual([]);

    const stolen = await call(harness, OTHER_KEY, "golf_cancel_reservation", { reservationId });
    expect(stolen.result?.isError).toBe(true);
    expect(site.reservations.find((r) => r.reservationId === reservationId)?.cancelled).toBeFalsy();

    await call(harness, OTHER_KEY, "golf_book_tee_time", {
      teeSheetId: site.teeSheetId(date, "10:00"),
      players: 1,
    });
    await vi.waitFor(
      () => expect(ntfy.received.filter((m) => m.title === "Tee time booked")).toHaveLength(2),
      {
        timeout: 10_000,
      },
    );
    const booking = ntfy.received.filter((m) => m.title === "Tee time booked");
    expect(booking.map((m) => m.topic).sort()).toEqual(["alice-phone", "bob-phone"]);
    const events = await readEvents(harness.runtime);
    expect(
      new Set(events.filter((e) => e.detail.tool === "golf_book_tee_time").map((e) => e.detail.golfer)),
    ).toEqual(new Set(["alice", "bob"]));
  });

  it("schedules a booking for the calling key's golfer: at the release it books with that golfer's sign-in", async () => {
    harness = await twoGolfers();
    const site = harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
    const date = addDays(localParts("America/Los_Angeles", new Date()).date, 20);
    site.release(date, 3_000);
    const scheduled = await call(harness, OTHER_KEY, "golf_book_when_open", { date, players: 1 });
    expect(scheduled.result?.isError).not.toBe(true);
    await vi.waitFor(
      () =>
        expect(site.reservations.filter((r) => r.teeSheetId > 0 && r.golferId === BOB.golferId)).toHaveLength(
          1,
        ),
      {
        timeout: 20_000,
        interval: 200,
      },
    );
    expect(site.reservations.filter((r) => r.golferId === ALICE.golferId)).toEqual([]);
    expect(await reservationsOf(harness, KEY)).toEqual([]);
  }, 30_000);

  it("answers a key with no golfer 'no golf account' on golf tools and pushes, records nothing, and still serves it the weather", async () => {
    harness = await twoGolfers();
    const site = harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
    const signIns = () => site.requests.filter((r) => r.includes("token")).length;
    const before = signIns();
    for (const [tool, args] of [
      ["golf_get_reservations", {}],
      ["send_push_notification", { title: "hi", message: "there" }],
    ] as const) {
      const answer = await call(harness, UNBOUND_KEY, tool, args);
      expect(answer.result?.isError).toBe(true);
      expect(answer.result?.content[0]?.text).toMatch(/This API key has no golf account on this server/);
    }
    expect(signIns()).toBe(before);
    const listed = await call(harness, UNBOUND_KEY, "list_requests", {});
    expect(JSON.stringify(listed.result?.structuredContent)).not.toMatch(/golf_get_reservations/);
    const weather = await call(harness, UNBOUND_KEY, "get_weather", { location: "Seattle" });
    expect(weather.result?.isError).not.toBe(true);
  });

  it("keeps the simple default: with no golfers named, every key acts as the one golfer", async () => {
    harness = await startHarness();
    const site = harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
    const date = addDays(localParts("America/Los_Angeles", new Date()).date, 4);
    const booked = await call(harness, KEY, "golf_book_tee_time", {
      teeSheetId: site.teeSheetId(date, "09:00"),
      players: 1,
    });
    const reservationId = booked.result?.structuredContent?.reservationId as number;
    expect((await reservationsOf(harness, UNBOUND_KEY)).map((r) => r.reservationId)).toEqual([reservationId]);
    expect(harness.runtime.golfers).toEqual({ named: [], keysWithoutGolfer: 0 });
  });
});
