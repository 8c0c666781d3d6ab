import { scheduledBookingMachine } from "./scheduled-booking.ts";
import { toolCallMachine } from "./tool-call.ts";

/**
 * Both ASL files, as `npm run asl` writes them and a test compares them: JSON with two-space indents, so the
 * Step Functions console shows what the generator wrote. Their `${Placeholders}` are filled by the stack's
 * definitionSubstitutions on AWS and by local/resources.ts locally.
 */
export function generatedStateMachines(): Record<string, string> {
  const text = (definition: object) => `${JSON.stringify(definition, null, 2)}\n`;
  return {
    "tool-call.asl.json": text(toolCallMachine()),
    "scheduled-booking.asl.json": text(scheduledBookingMachine()),
  };
}

/** Where they are committed. */
export const STATE_MACHINE_DIR = new URL(".", import.meta.url);
