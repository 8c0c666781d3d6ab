import { randomUUID } from "node:crypto";
import { dateString } from "../../functions/tools/local-time.ts";
import type { TeeSheet } from "./cps-golf-sheet.ts";
import {
  HOLD_MS,
  json,
  NOT_RELEASED_MESSAGE,
  PRICES,
  type SimConfig,
  type SimGolfer,
  SLOTS_PER_DAY,
  slotTime,
} from "./cps-golf-types.ts";
import type { SimAnswer } from "./sim-server.ts";

/**
 * The online reservation API's golfer endpoints over the tee sheet: search, hold (LockTeeTimes), price, reserve,
 * release a hold, cancel, the booking rules and the upcoming reservations, answered as the real site answers.
 */
export function bookingEndpoints(config: SimConfig, sheet: TeeSheet) {
  const {
    booked,
    holds,
    rules,
    pricings,
    registered,
    reservations,
    now,
    slotOf,
    released,
    classOf,
    teeSheetId,
    freeSeats,
    upcomingOf,
    recordReservation,
    bookingIdsOf,
  } = sheet;

  function search(golfer: SimGolfer, url: URL): SimAnswer {
    const q = url.searchParams;
    if (!rules[q.get("classCode") ?? ""] || q.get("memberStoreId") !== config.memberStoreId) {
      return json(400, { message: "Invalid class code or member store" });
    }
    if (q.get("courseIds") !== config.courseIds) return json(400, { message: "Invalid course ids" });
    const asked = new Date(Date.parse(q.get("searchDate") ?? ""));
    if (Number.isNaN(asked.getTime())) return json(400, { message: "Invalid searchDate" });
    // Date.parse reads "Wed Oct 29 2025" as local midnight: the local getters give back the day asked for.
    const date = `${asked.getFullYear()}-${String(asked.getMonth() + 1).padStart(2, "0")}-${String(asked.getDate()).padStart(2, "0")}`;
    if (dateString(date) !== q.get("searchDate")) return json(400, { message: "Invalid searchDate" });
    if (!released(date, classOf(golfer))) return json(400, { message: NOT_RELEASED_MESSAGE });
    if (sheet.takeFalseEmpty()) return json(200, { messageKey: "NO_TEETIMES", content: "NO_TEETIMES" });
    const slots = [];
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
      const time = slotTime(slot);
      const id = teeSheetId(date, time);
      if (!slotOf(id)) continue;
      const free = freeSeats(id);
      const open = free.length;
      if (open === 0) continue;
      slots.push({
        teeSheetId: id,
        startTime: `${date}T${time}:00`,
        courseId: Number(config.courseIds.split(",")[0]),
        courseName: config.courseName,
        holes: 18,
        participants: config.spotsPerTeeTime - open,
        minPlayer: 1,
        maxPlayer: config.spotsPerTeeTime,
        availableParticipantNo: free,
        shItemPrices: [
          { shItemCode: "GreenFee18", price: PRICES[18], itemDesc: "18 Holes" },
          { shItemCode: "GreenFee9", price: PRICES[9], itemDesc: "9 Holes" },
        ],
      });
    }
    return slots.length ? json(200, slots) : json(200, { messageKey: "NO_TEETIMES", content: "NO_TEETIMES" });
  }

  function lock(golfer: SimGolfer, body: Record<string, unknown>): SimAnswer {
    const ids = body.teeSheetIds;
    const players = body.numberOfPlayer;
    if (
      !Array.isArray(ids) ||
      ids.length !== 1 ||
      typeof players !== "number" ||
      players < 1 ||
      players > 4
    ) {
      return json(400, { message: "Invalid lock request" });
    }
    if (body.golferId !== golfer.golferId || body.email !== golfer.email) {
      return json(400, { message: "Golfer does not match the signed-in user" });
    }
    const id = ids[0] as number;
    const slot = slotOf(id);
    if (!slot)
      return json(200, { sessionId: "", error: "The selected tee time does not exist.", warning: "" });
    if (!released(slot.date, classOf(golfer))) return json(400, { message: NOT_RELEASED_MESSAGE });
    const free = freeSeats(id);
    if (free.length < players) {
      return json(200, {
        sessionId: "",
        error: "The selected tee time is no longer available.",
        warning: "",
      });
    }
    const sessionId = typeof body.sessionId === "string" && body.sessionId ? body.sessionId : randomUUID();
    holds.set(sessionId, {
      teeSheetId: id,
      players,
      seats: free.slice(0, players),
      golferId: golfer.golferId,
      expires: now() + HOLD_MS,
    });
    return json(200, { sessionId, error: "", warning: "" });
  }

  function price(golfer: SimGolfer, body: Record<string, unknown>): SimAnswer {
    const id = body.selectedTeeSheetId as number;
    const session = [...holds.entries()].find(
      ([, hold]) => hold.teeSheetId === id && hold.golferId === golfer.golferId && hold.expires > now(),
    );
    if (!session) return json(400, { message: "Tee time is not locked" });
    const list = body.bookingList;
    if (!Array.isArray(list) || list.length !== body.numberOfPlayer || list.length !== session[1].players) {
      return json(400, { message: "The booking list does not match the number of players" });
    }
    const holes = body.holes === 9 ? 9 : 18;
    const total = PRICES[holes] * list.length;
    const transactionId = randomUUID();
    pricings.set(transactionId, { sessionId: session[0], teeSheetId: id, players: list.length });
    const slot = slotOf(id);
    return json(200, {
      transactionId,
      ...(config.pricingHasStartTime && slot ? { startTime: `${slot.date}T${slot.time}:00` } : {}),
      courseName: config.courseName,
      holes,
      summaryDetail: { subTotal: total, total, totalDueAtCourse: total },
    });
  }

  function reserve(golfer: SimGolfer, body: Record<string, unknown>): SimAnswer {
    const sessionId = body.lockedTeeTimesSessionId as string;
    const hold = holds.get(sessionId);
    if (!hold || hold.expires <= now() || hold.golferId !== golfer.golferId) {
      return json(200, { reservationResult: 0, message: "Your hold on the tee time has expired." });
    }
    const pricingId = config.steps.includes("registerTransactionId")
      ? body.bookingTransactionId
      : body.transactionId;
    const pricing = pricings.get(pricingId as string);
    if (!pricing || pricing.sessionId !== sessionId) return json(400, { message: "Not found a transaction" });
    if (config.steps.includes("registerTransactionId") && !registered.has(body.transactionId as string)) {
      return json(400, { message: "Transaction id is not registered" });
    }
    const card = (body.finalizeSaleModel as { creditCardInfo?: Record<string, unknown> } | undefined)
      ?.creditCardInfo;
    if (card?.cardNumber || card?.cvv) return json(400, { message: "Card data is not accepted" });
    holds.delete(sessionId);
    pricings.delete(pricingId as string);
    const reservation = recordReservation(golfer.golferId, hold.teeSheetId, hold.seats, "golfer");
    return json(200, {
      reservationId: reservation.reservationId,
      bookingIds: bookingIdsOf(reservation),
      confirmationKey: reservation.confirmationKey,
      reservationResult: 1,
      bookingGolferId: golfer.golferId,
    });
  }
  /** UnLockTeeTimes: the golfer's holds on those tee times are released (with that session, when given). */
  function unlock(golfer: SimGolfer, body: Record<string, unknown>): SimAnswer {
    const ids = Array.isArray(body.teeSheetIds) ? body.teeSheetIds : [];
    let released = 0;
    for (const [session, hold] of holds) {
      const mine = hold.golferId === golfer.golferId && ids.includes(hold.teeSheetId);
      if (mine && (!body.sessionId || body.sessionId === session)) {
        holds.delete(session);
        released += 1;
      }
    }
    return json(200, { isSuccess: true, released });
  }

  /** CancelReservation: by the reservation's booking ids, for the golfer who made it. */
  function cancel(golfer: SimGolfer, body: Record<string, unknown>): SimAnswer {
    const detail = (body.cancelDetail ?? {}) as Record<string, unknown>;
    const ids = Array.isArray(body.bookingIds) ? body.bookingIds : [];
    const reservation = reservations.find(
      (r) => r.reservationId === detail.reservationId && !r.cancelled && r.golferId === golfer.golferId,
    );
    const bookingIds = reservation ? bookingIdsOf(reservation) : [];
    if (
      !reservation ||
      body.golferId !== golfer.golferId ||
      ids.length === 0 ||
      !ids.every((id) => bookingIds.includes(id as number))
    ) {
      return json(200, { isSuccess: false, errors: ["The reservation was not found."], data: null });
    }
    reservation.cancelled = true;
    const seats = booked.get(reservation.teeSheetId);
    for (const seat of reservation.seats) seats?.delete(seat);
    return json(200, {
      isSuccess: true,
      errors: [],
      data: { cancellationIds: bookingIds.map((id) => id + 900_000) },
    });
  }

  function bookingRules(url: URL): SimAnswer {
    const classCode = url.searchParams.get("classcode") ?? "";
    const rule = rules[classCode];
    if (!rule) return json(400, { message: "Invalid class code" });
    const courseId = Number(config.courseIds.split(",")[0]);
    return json(200, {
      bookingRuleByClass: [
        {
          classCode,
          bookingRuleByCourse: [
            {
              bookingRuleId: 6,
              courseId,
              daysInAdvance: rule.daysInAdvance,
              daysInAdvanceWeekend: rule.daysInAdvanceWeekend,
              // The clock time is what counts; the date part is whenever the rule was last edited.
              time: `2024-07-16T${rule.time}`,
            },
          ],
        },
      ],
      bookingRuleByCourses: [
        {
          courseId,
          noShowLimit: config.noShowLimit ?? 2,
          maximumDailyBookings: config.maximumDailyBookings ?? 1,
          daysInAdvance: rule.daysInAdvance,
        },
      ],
    });
  }

  function upcoming(golfer: SimGolfer, url: URL): SimAnswer {
    if (url.searchParams.get("golferId") !== String(golfer.golferId))
      return json(403, { message: "Forbidden" });
    const size = Number(url.searchParams.get("pageSize") ?? 14);
    const page = Number(url.searchParams.get("currentPage") ?? 1);
    // Newest first, as sites list them: the client sorts.
    const all = upcomingOf(golfer.golferId).slice().reverse();
    const items = all.slice((page - 1) * size, page * size).map((r) => ({
      reservationId: r.reservationId,
      bookingIds: bookingIdsOf(r),
      startTime: r.startTime,
      courseName: config.courseName,
      numberOfPlayer: r.players,
      reservationConfirmKey: r.confirmationKey,
      teeSheetId: r.teeSheetId,
    }));
    return json(200, {
      items,
      totalItems: all.length,
      totalPages: Math.max(1, Math.ceil(all.length / size)),
    });
  }

  return { search, lock, price, reserve, unlock, cancel, bookingRules, upcoming };
}
