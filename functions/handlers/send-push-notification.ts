import type { NtfyDeps } from "../tools/ntfy.ts";
import { sendPushNotification } from "../tools/send-push-notification.ts";
import { ntfyDepsFromEnv } from "./environment.ts";
import { type HandlerRuntime, toolEntry, toolHandler } from "./tool-handler.ts";

/** The send_push_notification Task's function. */
export const createSendPushNotificationHandler = (deps: NtfyDeps, runtime: HandlerRuntime) =>
  toolHandler(sendPushNotification, deps, runtime);

/** The Lambda entry point. */
export const handler = toolEntry("send_push_notification", (runtime) =>
  createSendPushNotificationHandler(ntfyDepsFromEnv(process.env), runtime),
);
