import { describe, expect, it } from "vitest";
import { confirmBefore } from "../../functions/core/confirmation.ts";
import {
  type Asked,
  elicitsForms,
  InputRounds,
  ROUND_TTL_MS,
  StateRefused,
} from "../../functions/core/input-rounds.ts";

const principal = { owner: "key-1", golfer: "default" };
const asked: Asked = {
  principal,
  tool: "golf_book_tee_time",
  args: { teeSheetId: 5, players: 1 },
  idempotencyKey: undefined,
};
const context = { capabilities: { elicitation: {} }, recall: async () => [], confirmBookings: true };
const gather = confirmBefore(async () => "Book it?");
const accept = { confirm: { action: "accept", content: {} } };

function rounds(secret = "a-secret") {
  let now = Date.parse("2026-12-02T12:00:00Z");
  const made = new InputRounds(async () => secret, { now: () => now });
  /** The requestState of a first round. */
  const stateOf = async (request = asked) => {
    const outcome = await made.round(gather, request, {}, context);
    if (!("inputRequired" in outcome)) throw new Error("not asked");
    return outcome.inputRequired.requestState as string;
  };
  return { made, stateOf, pass: (ms: number) => (now += ms) };
}

describe("input rounds", () => {
  it("lapse after their time to live", async () => {
    const { made, stateOf, pass } = rounds();
    const requestState = await stateOf();
    pass(ROUND_TTL_MS - 1);
    expect(await made.round(gather, asked, { requestState, inputResponses: accept }, context)).toHaveProperty(
      "proceed",
    );
    pass(1);
    await expect(
      made.round(gather, asked, { requestState, inputResponses: accept }, context),
    ).rejects.toThrow(/expired/);
  });

  it("give each answered round its own idempotency, and keep the caller's Idempotency-Key when it sent one", async () => {
    const { made, stateOf } = rounds();
    const keyOf = async (idempotencyKey: string | undefined) => {
      const request = { ...asked, idempotencyKey };
      const requestState = await stateOf(request);
      const outcome = await made.round(gather, request, { requestState, inputResponses: accept }, context);
      return "proceed" in outcome ? outcome.proceed.idempotencyKey : undefined;
    };
    const [one, two] = [await keyOf(undefined), await keyOf(undefined)];
    expect(one).toMatch(/^confirmed:/);
    expect(one).not.toEqual(two);
    expect(await keyOf("mine")).toBe("mine");
  });

  it("admit one call per answered state whatever Idempotency-Key each retry carries (a bridge's per-request keys)", async () => {
    const { made, stateOf } = rounds();
    const requestState = await stateOf({ ...asked, idempotencyKey: "first-request" });
    const keyOf = async (idempotencyKey: string) => {
      const request = { ...asked, idempotencyKey };
      const outcome = await made.round(gather, request, { requestState, inputResponses: accept }, context);
      return "proceed" in outcome ? outcome.proceed.idempotencyKey : undefined;
    };
    const [retry, again] = [await keyOf("second-request"), await keyOf("third-request")];
    expect(retry).toMatch(/^confirmed:/);
    expect(again).toBe(retry);
  });

  it("refuse a state signed with another secret", async () => {
    const requestState = await rounds("another-secret").stateOf();
    await expect(
      rounds().made.round(gather, asked, { requestState, inputResponses: accept }, context),
    ).rejects.toBeInstanceOf(StateRefused);
  });

  it("never take an accept that comes without the state it answers", async () => {
    const outcome = await rounds().made.round(gather, asked, { inputResponses: accept }, context);
    expect(outcome).toHaveProperty("inputRequired");
  });

  it("ask only clients that declare form elicitation, and only while the server's setting wants it", async () => {
    expect(elicitsForms({ elicitation: {} })).toBe(true);
    expect(elicitsForms({ elicitation: { form: {}, url: {} } })).toBe(true);
    expect(elicitsForms({ elicitation: { url: {} } })).toBe(false);
    expect(elicitsForms({ sampling: {} })).toBe(false);
    const off = await rounds().made.round(gather, asked, {}, { ...context, confirmBookings: false });
    expect(off).toEqual({ proceed: { arguments: asked.args, idempotencyKey: undefined } });
  });
});
