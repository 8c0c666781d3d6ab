import { type IdempotencyStore, idempotent } from "../adapters/idempotency.ts";
import { NotConfigured, OutcomeUnknown } from "../core/errors.ts";
import type { ToolCallEventDetail } from "../core/events.ts";
import { golferOfCall } from "../core/golfers.ts";
import type { RequestStore } from "../core/ports.ts";
import { type NtfyDeps, type Published, publishToNtfy } from "../tools/ntfy.ts";
import { idempotencyStoreFromEnv, ntfyDepsFromEnv, requestStoreFromEnv } from "./environment.ts";
import { observability } from "./observability.ts";
import { lazyHandler } from "./tool-handler.ts";

/** EventBridge retries a delivery for up to a day. */
export const NOTIFICATION_REPLAY_SECONDS = 2 * 24 * 3600;

/** A Tool Call Completed or Failed event of a tool that notifies, as EventBridge delivers it (EVENT_RULES.notifyOnBooking). */
export interface BookingEvent {
  id: string;
  detail: ToolCallEventDetail;
}

const MAY_BE_BOOKED = /may (still|or may not) be booked|probably booked|may still complete/i;

/**
 * What the golfer reads on the phone: what happened and, when nothing was booked, what to do next (in words for a
 * person, not tool names).
 */
export function pushOf(detail: ToolCallEventDetail): {
  title: string;
  message: string;
  priority: "high" | "default";
} {
  if (detail.status === "completed") {
    const booked = /^Booked /.test(detail.summary);
    return {
      title: booked ? "Tee time booked" : "Tee time update",
      message: detail.summary || "The tee time request finished.",
      priority: "high",
    };
  }
  const why = detail.error?.message ?? detail.summary;
  if (MAY_BE_BOOKED.test(why)) {
    return {
      title: "Tee time: check your reservations",
      message: `${why}\nNext: check your reservations (ask Claude, or on the course's site) before booking again.`,
      priority: "high",
    };
  }
  return {
    title: "Tee time not booked",
    message: `${why}\nNext: ask Claude what is open now, book another time, or watch the date again.`,
    priority: "default",
  };
}

/**
 * The notification function behind the notifyOnBooking rule: tells the owner's phone how a booking, a scheduled
 * booking or a watch ended. EventBridge delivers at least once, so it is idempotent on the request id: one call,
 * one notification. What became of the push is noted on the call's record (the console shows it): after the
 * idempotent send, so a failed note is retried with the event and replays the send's outcome, never a second push.
 */
export function createNotifyOnBookingHandler(
  deps: NtfyDeps,
  store: IdempotencyStore,
  receipts: Pick<RequestStore, "notePush">,
) {
  const notify = async (
    event: BookingEvent,
  ): Promise<Published | { unconfirmed: string } | { nobody: string }> => {
    // The golfer the call acted for hears of it, on its own topic only.
    const golfer = golferOfCall(event.detail.golfer);
    try {
      return await publishToNtfy({ ...pushOf(event.detail), tags: ["golf"] }, { ...deps, golfer });
    } catch (error) {
      // A send ntfy may have delivered is recorded as done, so no retry of the event can notify twice.
      if (error instanceof OutcomeUnknown) return { unconfirmed: error.message };
      // A golfer with no topic has no phone to tell: retrying would not give it one.
      if (error instanceof NotConfigured) return { nobody: error.message };
      throw error;
    }
  };
  const notifyOnce = idempotent("notify-on-booking", notify, store, { keyPath: "detail.requestId" });
  return async (event: BookingEvent, context?: { getRemainingTimeInMillis(): number }) => {
    const sent = await notifyOnce(event, context);
    await receipts.notePush(event.detail.requestId, {
      at: "time" in sent ? sent.time : new Date().toISOString(),
      outcome: "unconfirmed" in sent ? "unconfirmed" : "nobody" in sent ? "no-topic" : "sent",
      title: pushOf(event.detail).title,
    });
    return sent;
  };
}

/** The Lambda entry point (an EventBridge rule target). */
export const handler = lazyHandler(() => {
  const { tracer } = observability("notify-on-booking");
  return createNotifyOnBookingHandler(
    ntfyDepsFromEnv(process.env),
    idempotencyStoreFromEnv(process.env, NOTIFICATION_REPLAY_SECONDS, tracer),
    requestStoreFromEnv(process.env, tracer),
  );
});
