import type { JsonObject } from "../core/json.ts";
import type { ExecutableTool, ToolDefinition, ToolResult } from "../core/tool.ts";
import { PATTERNS } from "../core/validation.ts";
import { type NtfyDeps, PRIORITIES, type PriorityName, type PushMessage, publishToNtfy } from "./ntfy.ts";

export const sendPushNotificationDefinition = {
  name: "send_push_notification",
  title: "Send a push notification",
  description:
    "Sends a push notification to the owner's phone through ntfy, to the topic configured on the server (the " +
    "topic cannot be chosen). Use it to remind or alert the person, e.g. about a booked tee time. Returns the " +
    "ntfy message id, when it was sent, and the topic masked. Each call sends one notification: do not repeat " +
    "a call that succeeded.",
  inputSchema: {
    type: "object",
    properties: {
      title: {
        type: "string",
        minLength: 1,
        maxLength: 250,
        // A CR or LF in a title is how header injection starts.
        pattern: PATTERNS.singleLine.pattern,
        description: "One line, up to 250 characters",
      },
      message: {
        type: "string",
        minLength: 1,
        maxLength: 4000,
        description: "The body, up to 4,000 characters",
      },
      priority: {
        type: "string",
        enum: Object.keys(PRIORITIES),
        default: "default",
        description: "min, low, default, high or urgent (urgent may ring through do-not-disturb)",
      },
      tags: {
        type: "array",
        maxItems: 5,
        uniqueItems: true,
        items: { type: "string", pattern: PATTERNS.tag.pattern },
        description: 'Up to 5 short words; ntfy shows emoji shortcodes such as "golf" or "warning" as emoji',
      },
      click: {
        type: "string",
        maxLength: 2000,
        format: "uri",
        pattern: PATTERNS.https.pattern,
        description: "An https URL opened when the notification is tapped",
      },
    },
    required: ["title", "message"],
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    properties: {
      id: { type: "string" },
      time: { type: "string", format: "date-time" },
      topic: { type: "string", description: "The topic, masked" },
    },
    required: ["id", "time", "topic"],
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  runs: "workflow",
  effect: {
    unknown: "the notification may or may not have been sent",
    check: "Check your phone before sending it again.",
  },
} as const satisfies ToolDefinition;

/** send_push_notification: one ntfy message to the configured topic. */
export const sendPushNotification: ExecutableTool<NtfyDeps> = {
  definition: sendPushNotificationDefinition,
  summarize: () => "notification sent",
  async execute(args: JsonObject, deps: NtfyDeps): Promise<ToolResult> {
    const push: PushMessage = { title: String(args.title), message: String(args.message) };
    if (typeof args.priority === "string") push.priority = args.priority as PriorityName;
    if (Array.isArray(args.tags)) push.tags = args.tags.map(String);
    if (typeof args.click === "string") push.click = args.click;
    const sent = await publishToNtfy(push, deps);
    return {
      content: [
        { type: "text", text: `Notification sent to ${sent.topic} at ${sent.time} (id ${sent.id}).` },
      ],
      structuredContent: { ...sent },
    };
  },
};
