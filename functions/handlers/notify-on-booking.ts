import { type IdempotencyStore, idempotent } from "../adapters/idempotency.ts";
import { OutcomeUnknown } from "../core/errors.ts";
import type { ToolCallEventDetail } from "../core/events.ts";
import { type NtfyDeps, type Published, publishToNtfy } from "../tools/ntfy.ts";
import { idempotencyStoreFromEnv, ntfyDepsFromEnv } from "./environment.ts";
import { observability } from "./observability.ts";
import { lazyHandler } from "./tool-handler.ts";

/** EventBridge retries a delivery for up to a day. */
export const NOTIFICATION_REPLAY_SECONDS = 2 * 24 * 3600;

/** A Tool Call Completed event for golf_book_tee_time, as EventBridge delivers it (EVENT_RULES.notifyOnBooking). */
export interface BookingEvent {
  id: string;
  detail: ToolCallEventDetail;
}

/**
 * The notification function behind the notifyOnBooking rule: tells the owner's phone a tee time was booked.
 * EventBridge delivers at least once, so it is idempotent on the request id: one booking, one notification.
 */
export function createNotifyOnBookingHandler(deps: NtfyDeps, store: IdempotencyStore) {
  const notify = async (event: BookingEvent): Promise<Published | { unconfirmed: string }> => {
    try {
      return await publishToNtfy(
        {
          title: "Tee time booked",
          message: event.detail.summary || "A tee time was booked.",
          priority: "high",
          tags: ["golf"],
        },
        deps,
      );
    } catch (error) {
      // A send ntfy may have delivered is recorded as done, so no retry of the event can notify twice.
      if (error instanceof OutcomeUnknown) return { unconfirmed: error.message };
      throw error;
    }
  };
  return idempotent("notify-on-booking", notify, store, { keyPath: "detail.requestId" });
}

/** The Lambda entry point (an EventBridge rule target). */
export const handler = lazyHandler(() => {
  const { tracer } = observability("notify-on-booking");
  return createNotifyOnBookingHandler(
    ntfyDepsFromEnv(process.env),
    idempotencyStoreFromEnv(process.env, NOTIFICATION_REPLAY_SECONDS, tracer),
  );
});
