import type { MachineName } from "../functions/core/console/rows.ts";
import graphs from "./graphs.json" with { type: "json" };

/**
 * The state machines as the console draws them (statemachines/graphs.json, written by `npm run asl` with the ASL
 * files: their states and where each goes next, without the comments and parameters the front need not carry).
 */
export const STATE_MACHINES: Readonly<Record<MachineName, object>> = graphs;
