import { randomBytes } from "node:crypto";
import { addDays, daysBetween, localParts, timeOfDay, withOffset } from "../../functions/tools/local-time.ts";
import {
  EPOCH,
  FIRST_TEE_MINUTES,
  type GolfSimulatorOptions,
  INTERVAL_MINUTES,
  json,
  type ReleaseRule,
  type Rivals,
  type SimConfig,
  type SimGolfer,
  type SimReservation,
  SLOTS_PER_DAY,
  slotTime,
} from "./cps-golf-types.ts";
import type { SimAnswer } from "./sim-server.ts";

/**
 * The site's tee sheet: the release rules and when each date opens by the site's clock, the seats booked and held,
 * the reservations, and the release and rivals tests set up through /__sim/.
 */
export function createTeeSheet(config: SimConfig, options: GolfSimulatorOptions) {
  /** Seat positions booked per tee sheet. */
  const booked = new Map<number, Set<number>>();
  const holds = new Map<
    string,
    { teeSheetId: number; players: number; seats: number[]; golferId: number; expires: number }
  >();
  const rules: Record<string, ReleaseRule> = options.releaseRules
    ? structuredClone(options.releaseRules)
    : {
        [config.classCode]: {
          daysInAdvance: config.bookingWindowDays,
          daysInAdvanceWeekend: 0,
          time: "00:00:00",
        },
      };
  let rivals: Rivals | undefined;
  let falseEmptiesLeft = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        run();
      },
      Math.max(0, ms),
    );
    timer.unref();
    timers.add(timer);
  };
  const pricings = new Map<string, { sessionId: string; teeSheetId: number; players: number }>();
  const registered = new Set<string>();
  const reservations: SimReservation[] = [];
  let nextReservationId = 5001;

  /** The site's clock. */
  const now = () => Date.now() + (options.clockAheadMs ?? 0);
  const today = () => localParts(config.timeZone, new Date(now())).date;

  const ruleOf = (classCode: string): ReleaseRule =>
    rules[classCode] ?? rules[config.classCode] ?? (Object.values(rules)[0] as ReleaseRule);

  function releaseOf(date: string, classCode = config.classCode): number {
    const rule = ruleOf(classCode);
    const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const days = weekend && rule.daysInAdvanceWeekend > 0 ? rule.daysInAdvanceWeekend : rule.daysInAdvance;
    return Date.parse(withOffset(`${addDays(date, -days)}T${rule.time}`, config.timeZone));
  }

  /** A tee sheet of a day from today on (released or not). */
  function slotOf(teeSheetId: number): { date: string; time: string } | undefined {
    const slot = teeSheetId % 100;
    if (!Number.isInteger(teeSheetId) || teeSheetId < 100 || slot >= SLOTS_PER_DAY) return undefined;
    const date = addDays(EPOCH, Math.floor(teeSheetId / 100));
    if (daysBetween(today(), date) < 0 || daysBetween(today(), date) > 366) return undefined;
    return { date, time: slotTime(slot) };
  }

  const released = (date: string, classCode: string) => now() >= releaseOf(date, classCode);
  const classOf = (golfer: SimGolfer) => golfer.memberClassCode ?? config.classCode;

  function teeSheetId(date: string, time: string): number {
    const day = daysBetween(EPOCH, date);
    const [hh, mm] = time.split(":").map(Number);
    return day * 100 + ((hh ?? 0) * 60 + (mm ?? 0) - FIRST_TEE_MINUTES) / INTERVAL_MINUTES;
  }

  /** The seat positions of a tee time neither booked nor held (holds expire after about 10 minutes). */
  function freeSeats(id: number): number[] {
    const at = now();
    const taken = new Set(booked.get(id));
    for (const [session, hold] of holds) {
      if (hold.expires <= at) holds.delete(session);
      else if (hold.teeSheetId === id) for (const seat of hold.seats) taken.add(seat);
    }
    return Array.from({ length: config.spotsPerTeeTime }, (_, i) => i + 1).filter((seat) => !taken.has(seat));
  }

  const openSpots = (id: number): number => freeSeats(id).length;

  function book(id: number, seats: number[]): void {
    const taken = booked.get(id) ?? new Set<number>();
    for (const seat of seats) taken.add(seat);
    booked.set(id, taken);
  }

  function upcomingOf(golferId: number) {
    const now = `${today()}T00:00:00`;
    return reservations.filter((r) => r.golferId === golferId && !r.cancelled && r.startTime >= now);
  }
  function recordReservation(
    golferId: number,
    teeSheetId: number,
    seats: number[],
    by: SimReservation["by"],
  ): SimReservation {
    book(teeSheetId, seats);
    const slot = slotOf(teeSheetId);
    const reservation: SimReservation = {
      reservationId: nextReservationId++,
      golferId,
      teeSheetId,
      startTime: slot ? `${slot.date}T${slot.time}:00` : "",
      players: seats.length,
      seats,
      confirmationKey: randomBytes(4).toString("hex").toUpperCase(),
      bookedAt: now(),
      by,
    };
    reservations.push(reservation);
    return reservation;
  }

  const bookingIdsOf = (r: SimReservation) =>
    Array.from({ length: r.players }, (_, i) => r.reservationId * 10 + i);

  /** At a release, `afterMs` later, rivals book every open seat of the released date's `count` earliest times. */
  function rivalsAt(date: string): void {
    if (!rivals) return;
    const { afterMs, count } = rivals;
    later(afterMs, () => {
      let taken = 0;
      for (let slot = 0; slot < SLOTS_PER_DAY && taken < count; slot++) {
        const id = teeSheetId(date, slotTime(slot));
        const free = freeSeats(id);
        if (free.length === 0) continue;
        recordReservation(0, id, free, "rival");
        taken += 1;
      }
    });
  }

  function release(date: string, inMs: number, falseEmpties = 0): number {
    const instant = Math.ceil((now() + inMs) / 1000) * 1000;
    const local = localParts(config.timeZone, new Date(instant));
    const seconds = String(new Date(instant).getUTCSeconds()).padStart(2, "0");
    const time = `${timeOfDay(local.hour, local.minute)}:${seconds}`;
    const days = daysBetween(local.date, date);
    // The rules every class reports change so that this date opens at this instant.
    for (const rule of Object.values(rules)) {
      rule.daysInAdvance = days;
      rule.daysInAdvanceWeekend = days;
      rule.time = time;
    }
    later(instant - now(), () => {
      falseEmptiesLeft = falseEmpties;
      rivalsAt(date);
    });
    return instant;
  }

  function control(url: URL, text: string): SimAnswer | undefined {
    if (url.pathname === "/__sim/release") {
      const { date, inMs, falseEmpties } = JSON.parse(text || "{}") as {
        date?: string;
        inMs?: number;
        falseEmpties?: number;
      };
      if (typeof date !== "string" || typeof inMs !== "number" || inMs < 0) {
        return json(400, { message: 'send {"date": "YYYY-MM-DD", "inMs": 5000}' });
      }
      const instant = release(date, inMs, falseEmpties ?? 0);
      return json(200, { date, releasesAt: new Date(instant).toISOString(), rules });
    }
    if (url.pathname === "/__sim/rivals") {
      const body = JSON.parse(text || "{}") as Partial<Rivals>;
      if (body.count === 0) rivals = undefined;
      else if (typeof body.afterMs === "number" && typeof body.count === "number") {
        rivals = { afterMs: body.afterMs, count: body.count };
      } else return json(400, { message: 'send {"afterMs": 300, "count": 2} ({"count": 0} stops them)' });
      return json(200, { rivals: rivals ?? null });
    }
    return undefined;
  }

  return {
    booked,
    holds,
    rules,
    pricings,
    registered,
    reservations,
    timers,
    now,
    today,
    releaseOf,
    slotOf,
    released,
    classOf,
    teeSheetId,
    freeSeats,
    openSpots,
    book,
    upcomingOf,
    recordReservation,
    bookingIdsOf,
    release,
    control,
    setRivals(next: Rivals | undefined) {
      rivals = next;
    },
    /** A search answered NO_TEETIMES although times are open (a busy site at its release), when one is due. */
    takeFalseEmpty(): boolean {
      if (falseEmptiesLeft <= 0) return false;
      falseEmptiesLeft -= 1;
      return true;
    },
  };
}

export type TeeSheet = ReturnType<typeof createTeeSheet>;
