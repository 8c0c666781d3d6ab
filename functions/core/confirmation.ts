import { elicitsForms, type Gather } from "./input-rounds.ts";
import { isJsonObject, type JsonObject } from "./json.ts";
import type { Recall } from "./tool.ts";

/**
 * Confirmation before a booking: a tool's gather step (input-rounds.ts) that asks the user, by one elicitation, to
 * accept what the call would do, when the client can ask (form elicitation) and the server's setting wants it.
 * Nothing is recorded, held or booked until the user accepts; a decline ends the call cleanly. An accept counts only
 * under the state we signed for it, so one confirmation admits one call.
 */

/** The key of our one input request: the elicitation that asks the user to confirm. */
export const CONFIRM_INPUT = "confirm";

/**
 * The gather step of a tool that books: `plan` says, from the arguments and the caller's recent results, what would
 * be done, or undefined when these arguments book nothing.
 */
export function confirmBefore(
  plan: (args: JsonObject, recall: Recall) => Promise<string | undefined>,
): Gather {
  return async (args, round) => {
    if (!round.confirmBookings || !elicitsForms(round.capabilities)) return { proceed: true };
    const response = round.responses[CONFIRM_INPUT];
    if (round.kept?.asked === true && isJsonObject(response)) {
      if (response.action === "accept") return { proceed: true };
      if (response.action === "decline" || response.action === "cancel") {
        const how = response.action === "decline" ? "declined" : "cancelled";
        const text = `Not booked: the booking was ${how} when confirming it. Nothing was held or booked.`;
        return { answer: { content: [{ type: "text", text }], isError: true } };
      }
    }
    const said = await plan(args, round.recall);
    if (said === undefined) return { proceed: true };
    return {
      ask: {
        [CONFIRM_INPUT]: {
          method: "elicitation/create",
          params: {
            mode: "form",
            message: `${said}\n\nAccept to go ahead; decline and nothing is booked.`,
            // Nothing to fill in: accepting is the confirmation.
            requestedSchema: { type: "object", properties: {} },
          },
        },
      },
      keep: { asked: true },
    };
  };
}
