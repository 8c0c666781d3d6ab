import type { MachineName } from "../functions/core/console/rows.ts";
import scheduledBooking from "./scheduled-booking.asl.json" with { type: "json" };
import toolCall from "./tool-call.asl.json" with { type: "json" };

/** The committed state machine definitions, by name, as the console draws them (placeholders left in). */
export const STATE_MACHINES: Readonly<Record<MachineName, object>> = {
  "tool-call": toolCall,
  "scheduled-booking": scheduledBooking,
};
