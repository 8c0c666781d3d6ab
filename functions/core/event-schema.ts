import { DETAIL_TYPES, EVENT_SOURCE } from "./events.ts";
import type { TerminalStatus } from "./status.ts";

/**
 * The contract of the completion events, one JSON Schema per detail type, of the event as EventBridge delivers it to
 * a target (the envelope and the detail). Draft-04, the dialect EventBridge's schema registry takes, so consumers can
 * generate code bindings from the registry; the same schemas are docs/events/*.schema.json, and every event the
 * tests publish is validated against them. Written from the event's own constants: a new status or detail type
 * changes them here, once.
 */

/** What a subscriber may rely on in every Tool Call event's detail. */
function detailSchema(status: TerminalStatus): object {
  const properties: Record<string, object> = {
    eventId: {
      type: "string",
      pattern: `^.+:${status}$`,
      description:
        "Stable across re-deliveries (`<requestId>:<status>`): delivery is at least once, so drop an eventId already seen",
    },
    requestId: { type: "string", description: "The call's request id, also its execution's name" },
    tool: { type: "string", description: "The MCP tool that was called" },
    status: { type: "string", enum: [status] },
    durationMs: {
      type: ["integer", "null"],
      minimum: 0,
      description: "From the call's acceptance to its end; null when not known",
    },
    owner: { type: "string", description: "The id of the API key that made the call" },
    golfer: { type: "string", description: "The golfer the call acted for (whose phone hears of a booking)" },
    summary: { type: "string", description: "One line, free of personal data" },
  };
  const required = ["eventId", "requestId", "tool", "status", "owner", "summary"];
  if (status === "failed") {
    properties.error = {
      type: "object",
      properties: {
        type: {
          type: "string",
          description: "The error class (UpstreamUnavailable, BookingIncomplete, ...)",
        },
        message: { type: "string", description: "A sentence a person can read" },
      },
      required: ["type", "message"],
      additionalProperties: false,
    };
  }
  return { type: "object", properties, required, additionalProperties: false };
}

/** The schema of one detail type's events, as EventBridge delivers them. */
export function toolCallEventSchema(status: TerminalStatus): object {
  return {
    $schema: "http://json-schema.org/draft-04/schema#",
    title: DETAIL_TYPES[status],
    description: `A rez-agent-mcp tool call that ended ${status}, as EventBridge delivers it to a target.`,
    type: "object",
    properties: {
      version: { type: "string" },
      id: { type: "string" },
      "detail-type": { type: "string", enum: [DETAIL_TYPES[status]] },
      source: { type: "string", enum: [EVENT_SOURCE] },
      account: { type: "string" },
      time: { type: "string", format: "date-time" },
      region: { type: "string" },
      resources: { type: "array", items: { type: "string" } },
      detail: detailSchema(status),
    },
    required: ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"],
  };
}

/** Every detail type's schema, by the name it is registered and documented under (`ToolCallCompleted`, ...). */
export function toolCallEventSchemas(): Record<string, object> {
  return Object.fromEntries(
    (Object.keys(DETAIL_TYPES) as TerminalStatus[]).map((status) => [
      DETAIL_TYPES[status].replaceAll(" ", ""),
      toolCallEventSchema(status),
    ]),
  );
}
