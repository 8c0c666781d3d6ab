import { notifyRuleOf } from "../core/events.ts";
import type { ToolDefinition } from "../core/tool.ts";
import { getRequestStatusDefinition } from "./get-request-status.ts";
import { getWeatherDefinition } from "./get-weather.ts";
import { golfBookTeeTimeDefinition } from "./golf-book-tee-time.ts";
import { golfBookWhenOpenDefinition } from "./golf-book-when-open.ts";
import { golfCancelReservationDefinition } from "./golf-cancel-reservation.ts";
import { golfGetReservationsDefinition } from "./golf-get-reservations.ts";
import { golfSearchTeeTimesDefinition } from "./golf-search-tee-times.ts";
import { golfWatchTeeTimesDefinition } from "./golf-watch-tee-times.ts";
import { cancelRequestDefinition, listRequestsDefinition } from "./lifecycle-tools.ts";
import { sendPushNotificationDefinition } from "./send-push-notification.ts";

/** Every tool the server offers, in listing order. The front imports these, never the tools' execute code. */
export const TOOL_DEFINITIONS: readonly ToolDefinition[] = [
  golfSearchTeeTimesDefinition,
  golfBookTeeTimeDefinition,
  golfBookWhenOpenDefinition,
  golfWatchTeeTimesDefinition,
  golfGetReservationsDefinition,
  golfCancelReservationDefinition,
  getWeatherDefinition,
  sendPushNotificationDefinition,
  getRequestStatusDefinition,
  listRequestsDefinition,
  cancelRequestDefinition,
];

/** The rules that ship with the stack, shared by the CDK stack and the local bus, derived from the tools. */
export const EVENT_RULES = {
  /** How a booking, a scheduled booking or a watch ended, pushed to the owner's phone. */
  notifyOnBooking: notifyRuleOf(TOOL_DEFINITIONS),
};
