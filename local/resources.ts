/** Names and ARNs of the local stand-ins for the stack's resources. */

export const LOCAL_REQUEST_TABLE = "rez-agent-mcp-local-requests";
export const LOCAL_IDEMPOTENCY_TABLE = "rez-agent-mcp-local-idempotency";
export const LOCAL_EVENT_BUS = "rez-agent-mcp-local";

export const localFunctionArn = (name: string) =>
  `arn:aws:lambda:local:000000000000:function:rez-agent-mcp-${name}`;

/** Each workflow tool's function: its ASL placeholder and its local name. */
export const WORKFLOW_FUNCTIONS = {
  get_weather: { placeholder: "GetWeatherFunctionArn", name: "get-weather" },
  send_push_notification: { placeholder: "SendPushNotificationFunctionArn", name: "send-push-notification" },
  golf_search_tee_times: { placeholder: "GolfSearchTeeTimesFunctionArn", name: "golf-search-tee-times" },
  golf_book_tee_time: { placeholder: "GolfBookTeeTimeFunctionArn", name: "golf-book-tee-time" },
  golf_book_when_open: { placeholder: "GolfBookWhenOpenFunctionArn", name: "golf-book-when-open" },
  golf_get_reservations: { placeholder: "GolfGetReservationsFunctionArn", name: "golf-get-reservations" },
  golf_cancel_reservation: {
    placeholder: "GolfCancelReservationFunctionArn",
    name: "golf-cancel-reservation",
  },
} as const;

/** The values of every `${Placeholder}` in the ASL file, locally (the CDK stack's definitionSubstitutions on AWS). */
export const LOCAL_SUBSTITUTIONS: Record<string, string> = {
  ...Object.fromEntries(
    Object.values(WORKFLOW_FUNCTIONS).map(({ placeholder, name }) => [placeholder, localFunctionArn(name)]),
  ),
  RequestTableName: LOCAL_REQUEST_TABLE,
  EventBusName: LOCAL_EVENT_BUS,
};
