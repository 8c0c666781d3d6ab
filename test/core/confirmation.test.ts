import { describe, expect, it } from "vitest";
import { CONFIRMATION_TTL_MS, Confirmations, StateRefused } from "../../functions/core/confirmation.ts";
import { golfBookTeeTimeDefinition } from "../../functions/tools/golf-book-tee-time.ts";

const principal = { owner: "key-1", golfer: "default" };
const asked = {
  principal,
  definition: golfBookTeeTimeDefinition,
  args: { teeSheetId: 5, players: 1 },
  idempotencyKey: undefined,
};
const accept = { confirm: { action: "accept", content: {} } };

function confirmations() {
  let now = Date.parse("2026-12-02T12:00:00Z");
  const made = new Confirmations(async () => "a-secret", { now: () => now });
  return { made, pass: (ms: number) => (now += ms) };
}

describe("booking confirmations", () => {
  it("lapse after their time to live", async () => {
    const { made, pass } = confirmations();
    const state = (await made.ask(asked, "Book it?")).requestState;
    pass(CONFIRMATION_TTL_MS - 1);
    expect((await made.answer(asked, state, accept)).kind).toBe("accepted");
    pass(1);
    await expect(made.answer(asked, state, accept)).rejects.toThrow(/expired/);
  });

  it("give each confirmation its own idempotency, and keep the caller's Idempotency-Key when it sent one", async () => {
    const { made } = confirmations();
    const keyOf = async (idempotencyKey: string | undefined) => {
      const request = { ...asked, idempotencyKey };
      const state = (await made.ask(request, "Book it?")).requestState;
      return made.answer(request, state, accept);
    };
    const [one, two] = [await keyOf(undefined), await keyOf(undefined)];
    expect(one).not.toEqual(two);
    expect(await keyOf("mine")).toEqual({ kind: "accepted", idempotencyKey: "mine" });
  });

  it("refuse a state signed with another secret", async () => {
    const { made } = confirmations();
    const other = new Confirmations(async () => "another-secret", { now: () => Date.now() });
    const state = (await other.ask(asked, "Book it?")).requestState;
    await expect(made.answer(asked, state, accept)).rejects.toBeInstanceOf(StateRefused);
  });

  it("are asked only of clients that declare form elicitation", () => {
    expect(Confirmations.canAsk({ elicitation: {} })).toBe(true);
    expect(Confirmations.canAsk({ elicitation: { form: {}, url: {} } })).toBe(true);
    expect(Confirmations.canAsk({ elicitation: { url: {} } })).toBe(false);
    expect(Confirmations.canAsk({ sampling: {} })).toBe(false);
  });
});
