import {
  type IdempotencyStore,
  idempotentByRequest,
  REQUEST_REPLAY_SECONDS,
} from "../adapters/idempotency.ts";
import type { NtfyDeps } from "../tools/ntfy.ts";
import { sendPushNotification } from "../tools/send-push-notification.ts";
import { idempotencyStoreFromEnv, ntfyDepsFromEnv } from "./environment.ts";
import { type HandlerRuntime, toolEntry, toolHandler } from "./tool-handler.ts";

/**
 * The send_push_notification Task's function, idempotent per request id: a Lambda retry or a redriven execution of
 * the same request gets the first send's outcome instead of notifying again.
 */
export const createSendPushNotificationHandler = (
  deps: NtfyDeps,
  runtime: HandlerRuntime,
  store: IdempotencyStore,
) =>
  idempotentByRequest(
    sendPushNotification.definition.name,
    toolHandler(sendPushNotification, deps, runtime),
    store,
  );

/** The Lambda entry point. */
export const handler = toolEntry("send_push_notification", (runtime, { tracer }) =>
  createSendPushNotificationHandler(
    ntfyDepsFromEnv(process.env),
    runtime,
    idempotencyStoreFromEnv(process.env, REQUEST_REPLAY_SECONDS, tracer),
  ),
);
