import { golfGetReservations } from "../tools/golf-get-reservations.ts";
import { lambdaEntry, toolFunction } from "./tool-function.ts";

export const build = toolFunction(golfGetReservations, "golf");
export const handler = lambdaEntry("golf_get_reservations", build);
