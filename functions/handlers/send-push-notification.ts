import { sendPushNotification } from "../tools/send-push-notification.ts";
import { lambdaEntry, toolFunction } from "./tool-function.ts";

export const build = toolFunction(sendPushNotification, "ntfy");
export const handler = lambdaEntry("send_push_notification", build);
