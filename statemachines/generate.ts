import { graphOf } from "./graph.ts";
import { scheduledBookingMachine } from "./scheduled-booking.ts";
import { toolCallMachine } from "./tool-call.ts";

/**
 * Both ASL files (and the graphs the console draws of them), as `npm run asl` writes them and a test compares them:
 * JSON with two-space indents, so the Step Functions console shows what the generator wrote. Their `${Placeholders}`
 * are filled by the stack's definitionSubstitutions on AWS and by local/resources.ts locally.
 */
export function generatedStateMachines(): Record<string, string> {
  const text = (definition: object) => `${JSON.stringify(definition, null, 2)}\n`;
  const toolCall = toolCallMachine();
  const scheduledBooking = scheduledBookingMachine();
  return {
    "tool-call.asl.json": text(toolCall),
    "scheduled-booking.asl.json": text(scheduledBooking),
    // What the console draws of each (statemachines/graph.ts), named as the console names them.
    "graphs.json": text({ "tool-call": graphOf(toolCall), "scheduled-booking": graphOf(scheduledBooking) }),
  };
}

/** Where they are committed. */
export const STATE_MACHINE_DIR = new URL(".", import.meta.url);
