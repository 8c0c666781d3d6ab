import type { ToolDefinition } from "../core/tool.ts";
import { getRequestStatusDefinition } from "./get-request-status.ts";
import { getWeatherDefinition } from "./get-weather.ts";

/** Every tool the server offers, in listing order. The front imports these, never the tools' execute code. */
export const TOOL_DEFINITIONS: readonly ToolDefinition[] = [getWeatherDefinition, getRequestStatusDefinition];
