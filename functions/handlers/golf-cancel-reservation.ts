import { golfCancelReservation } from "../tools/golf-cancel-reservation.ts";
import { lambdaEntry, toolFunction } from "./tool-function.ts";

export const build = toolFunction(golfCancelReservation, "golf");
export const handler = lambdaEntry("golf_cancel_reservation", build);
