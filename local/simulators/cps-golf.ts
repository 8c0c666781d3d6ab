import { generateKeyPair, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { promisify } from "node:util";
import { SignJWT } from "jose";
import {
  addDays,
  dateString,
  daysBetween,
  localParts,
  timeOfDay,
  withOffset,
} from "../../functions/tools/local-time.ts";
import { type SimAnswer, type Simulator, startSimulator } from "./sim-server.ts";

export interface SimGolfer {
  username: string;
  password: string;
  golferId: number;
  acct: string;
  email: string;
  /** The golfer's member class (GetUserInformation's memberClassCode); the site's classCode when not set. */
  memberClassCode?: string;
}

/**
 * When a member class may book a date: `daysInAdvance` days before it (or `daysInAdvanceWeekend` for a Saturday or
 * Sunday, when not 0) at `time` (HH:MM:SS, course-local), as BookingRuleModels reports it.
 */
export interface ReleaseRule {
  daysInAdvance: number;
  daysInAdvanceWeekend: number;
  time: string;
}

/** The sign-in the simulated course accepts unless told otherwise (simulated mode needs no real account). */
export const DEMO_GOLFER: SimGolfer = {
  username: "demo@example.com",
  password: "demo-password",
  golferId: 40127,
  acct: "A-40127",
  email: "demo@example.com",
};

export interface GolfSimulatorOptions {
  courseName: string;
  /** IANA zone the tee sheet is kept in. */
  timeZone: string;
  courseIds?: string;
  clientId?: string;
  websiteId?: string;
  classCode?: string;
  memberStoreId?: string;
  bookingWindowDays?: number;
  spotsPerTeeTime?: number;
  /** Optional steps this site insists on: with registerTransactionId, a reserve needs a registered id. */
  steps?: ("checkBookingLimit" | "registerTransactionId")[];
  golfers?: SimGolfer[];
  maxReservations?: number;
  tokenLifetimeSeconds?: number;
  /** Whether the pricing answer carries the tee time's start (some sites' do not). */
  pricingHasStartTime?: boolean;
  /** Release rules per member class; by default every class books bookingWindowDays ahead from midnight. */
  releaseRules?: Record<string, ReleaseRule>;
  /** BookingRuleModels' per-course limits. */
  maximumDailyBookings?: number;
  noShowLimit?: number;
  /** The site's name in its Configuration (the <name> of https://<name>.cps.golf). */
  siteName?: string;
  /** How far the site's clock is ahead of this machine's: its releases, holds and Date headers run on it. */
  clockAheadMs?: number;
  /** The network to the site: each request arrives this late and each answer returns this late. */
  oneWayMs?: number;
}

/** What rival golfers do at each release: `afterMs` after it, they book the `count` earliest open tee times. */
export interface Rivals {
  afterMs: number;
  count: number;
}

/** What the identity server can be told to do wrong with the tokens it issues. */
export type TokenFault = "expired" | "badSignature" | "algNone" | "hs256";

export interface GolfSimulator extends Simulator {
  /** The tee sheet id of a local date and time ("2026-12-01", "08:10"). */
  teeSheetId(date: string, time: string): number;
  /** Spots still open on a tee time (booked and held spots are taken). */
  openSpots(teeSheetId: number): number;
  /** Books spots directly, as other golfers would. */
  takeSpots(teeSheetId: number, count: number): void;
  /** Reservations made on the site, oldest first. */
  readonly reservations: readonly SimReservation[];
  /** The next `times` tokens issued (all, when omitted) come out wrong in this way. */
  failTokens(fault: TokenFault, times?: number): void;
  /** Every token issued so far stops working (401), as when they expire mid-booking. */
  revokeTokens(): void;
  /** Revokes every token right after the next request to this API endpoint ("TeeTimePricesCalculation"). */
  revokeTokensAfter(endpoint: string): void;
  /**
   * That date opens `inMs` from now (rounded up to a whole second, the rules' resolution): until then its searches
   * and holds get the site's "not able to book" answer, and the rules BookingRuleModels reports give that instant.
   * The first `falseEmpties` searches after it answer NO_TEETIMES although times are open, as busy sites do.
   * Returns the release instant (epoch ms).
   */
  release(date: string, inMs: number, falseEmpties?: number): number;
  /** Rivals at every later release (none when undefined). */
  setRivals(rivals: Rivals | undefined): void;
  /** When a date opens for a member class, by the current rules (epoch ms). */
  releaseOf(date: string, classCode?: string): number;
}

export interface SimReservation {
  reservationId: number;
  golferId: number;
  teeSheetId: number;
  startTime: string;
  players: number;
  /** The seat positions it holds on the tee time. */
  seats: number[];
  confirmationKey: string;
  /** When the site confirmed it (epoch ms). */
  bookedAt: number;
  by: "golfer" | "rival";
  cancelled?: boolean;
}

/** The site's answer to a search or hold of a date not released yet (a 400, as CPS Golf sites give it). */
export const NOT_RELEASED_MESSAGE = "Sorry, you are not able to book this tee time currently.";

const API = "/onlineres/onlineapi/api/v1/onlinereservation/";
const FIRST_TEE_MINUTES = 7 * 60;
const LAST_TEE_MINUTES = 17 * 60;
const INTERVAL_MINUTES = 10;
const SLOTS_PER_DAY = (LAST_TEE_MINUTES - FIRST_TEE_MINUTES) / INTERVAL_MINUTES + 1;
const EPOCH = "2000-01-01";
const HOLD_MS = 10 * 60_000;
const PRICES = { 18: 45, 9: 28 } as const;

const json = (status: number, body: unknown): SimAnswer => ({ status, body });

/** The local time of a day's slot (0 is the first tee). */
function slotTime(slot: number): string {
  const minutes = FIRST_TEE_MINUTES + slot * INTERVAL_MINUTES;
  return timeOfDay(Math.floor(minutes / 60), minutes % 60);
}

/**
 * A loopback CPS Golf course: an identity server issuing real RS256 JWTs with a published JWKS, and the online
 * reservation API with a tee sheet every 10 minutes from 07:00 to 17:00 local for the booking window, limited
 * spots, holds (LockTeeTimes), pricing, optional steps, reservations and the faults tests need.
 */
export async function startGolfSimulator(options: GolfSimulatorOptions): Promise<GolfSimulator> {
  const config = {
    courseIds: "1",
    clientId: "onlineresweb",
    classCode: "R",
    memberStoreId: "1",
    bookingWindowDays: 14,
    spotsPerTeeTime: 4,
    steps: [],
    golfers: [DEMO_GOLFER],
    maxReservations: 8,
    tokenLifetimeSeconds: 3600,
    pricingHasStartTime: true,
    ...options,
  };
  // Key generation runs off the event loop and is awaited only when a key is first needed, so a start is not slowed.
  const newKeys = () => promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  const kid = randomBytes(8).toString("hex");
  const signing = newKeys().then(({ privateKey, publicKey }) => ({
    privateKey,
    jwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" },
  }));
  let strangerKey: Promise<KeyObject> | undefined;

  const tokens = new Map<string, { golfer: SimGolfer; expires: number }>();
  let tokenFault: TokenFault | undefined;
  let tokenFaultsLeft = 0;
  let revokeAfter: string | undefined;
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

  async function issueToken(golfer: SimGolfer): Promise<string> {
    const fault = tokenFaultsLeft > 0 ? tokenFault : undefined;
    if (fault) tokenFaultsLeft -= 1;
    const issuedAt = Math.floor(now() / 1000);
    const exp = fault === "expired" ? issuedAt - 600 : issuedAt + config.tokenLifetimeSeconds;
    const claims = {
      golferId: String(golfer.golferId),
      acct: golfer.acct,
      email: golfer.email,
      sub: golfer.username,
    };
    const base = () =>
      new SignJWT(claims).setIssuedAt(issuedAt).setExpirationTime(exp).setIssuer("sim-cps-golf");
    let token: string;
    if (fault === "algNone") {
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      token = `${part({ alg: "none", typ: "JWT" })}.${part({ ...claims, iat: issuedAt, exp })}.`;
    } else if (fault === "hs256") {
      // The classic confusion attack: an HMAC keyed with the public key.
      const secret = new TextEncoder().encode(JSON.stringify((await signing).jwk));
      token = await base().setProtectedHeader({ alg: "HS256", kid }).sign(secret);
    } else if (fault === "badSignature") {
      strangerKey ??= newKeys().then((pair) => pair.privateKey);
      token = await base()
        .setProtectedHeader({ alg: "RS256", kid })
        .sign(await strangerKey);
    } else {
      token = await base()
        .setProtectedHeader({ alg: "RS256", kid, typ: "at+jwt" })
        .sign((await signing).privateKey);
    }
    tokens.set(token, { golfer, expires: exp * 1000 });
    return token;
  }

  async function signIn(body: string): Promise<SimAnswer> {
    const form = new URLSearchParams(body);
    if (form.get("grant_type") !== "password" || form.get("client_id") !== config.clientId) {
      return json(400, { error: "invalid_client" });
    }
    const golfer = config.golfers.find(
      (g) => g.username === form.get("username") && g.password === form.get("password"),
    );
    if (!golfer)
      return json(400, { error: "invalid_grant", error_description: "invalid_username_or_password" });
    return json(200, {
      access_token: await issueToken(golfer),
      expires_in: config.tokenLifetimeSeconds,
      token_type: "Bearer",
      refresh_token: randomBytes(16).toString("hex"),
      scope: form.get("scope") ?? "",
    });
  }

  function golferOf(request: IncomingMessage): SimGolfer | undefined {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    const session = token ? tokens.get(token) : undefined;
    return session && session.expires > now() ? session.golfer : undefined;
  }

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
    if (falseEmptiesLeft > 0) {
      falseEmptiesLeft -= 1;
      return json(200, { messageKey: "NO_TEETIMES", content: "NO_TEETIMES" });
    }
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

  function upcomingOf(golferId: number) {
    const now = `${today()}T00:00:00`;
    return reservations.filter((r) => r.golferId === golferId && !r.cancelled && r.startTime >= now);
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

  const bookingIdsOf = (r: SimReservation) =>
    Array.from({ length: r.players }, (_, i) => r.reservationId * 10 + i);

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

  const siteName = config.siteName ?? config.courseName.toLowerCase().replace(/[^a-z0-9]/g, "");
  const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

  /** The site's public configuration, which the Angular app reads first (no sign-in). */
  function configuration(): SimAnswer {
    return json(200, {
      clientId: config.clientId,
      production: true,
      onlineApi: `${simulator.url}${API.replace(/\/$/, "")}`,
      authorityBaseUrl: `${simulator.url}/identityapi`,
      siteName,
      apiKey: "",
      buildNumber: "26.1.2.26379768992",
      websiteId: ZERO_GUID,
    });
  }

  /** GetAllOptions and OnlineCourses: public reads of the site's ids, before any sign-in. */
  function publicRead(endpoint: string, request: IncomingMessage): SimAnswer | undefined {
    if (endpoint === `GetAllOptions/${siteName}`) {
      return json(200, {
        webSiteId: config.websiteId ?? ZERO_GUID,
        reservationOptions: { webSiteId: config.websiteId ?? ZERO_GUID, siteId: 1, terminalId: 3 },
        courseOptions: config.courseIds.split(",").map((id, i) => ({
          courseId: Number(id),
          courseName: i === 0 ? config.courseName : `${config.courseName} ${i + 1}`,
        })),
      });
    }
    if (endpoint === "OnlineCourses") {
      if (config.websiteId && request.headers["x-websiteid"] !== config.websiteId) {
        return json(400, { message: "Invalid websiteid request header" });
      }
      return json(
        200,
        config.courseIds.split(",").map((id, i) => ({
          websiteId: config.websiteId ?? ZERO_GUID,
          timezoneId: config.timeZone,
          storeId: Number(config.memberStoreId),
          courseId: Number(id),
          courseName: i === 0 ? config.courseName : `${config.courseName} ${i + 1}`,
          siteId: 1,
          holes: 18,
          active: true,
        })),
      );
    }
    return undefined;
  }

  function api(endpoint: string, url: URL, request: IncomingMessage, text: string): SimAnswer {
    const headers = request.headers;
    if (headers["x-componentid"] !== "1") {
      return json(400, { message: "Invalid componentid request header" });
    }
    if (request.method === "GET") {
      const open = publicRead(endpoint, request);
      if (open) return open;
    }
    if (headers["client-id"] !== config.clientId) {
      return json(400, { message: "Invalid componentid request header" });
    }
    if (config.websiteId && headers["x-websiteid"] !== config.websiteId) {
      return json(400, { message: "Invalid websiteid request header" });
    }
    const golfer = golferOf(request);
    if (!golfer) return json(401, { message: "Unauthorized" });
    let body: Record<string, unknown> = {};
    if (request.method === "POST") {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return json(400, { message: "Invalid JSON" });
      }
    }
    const route = `${request.method} ${endpoint}`;
    switch (route) {
      case "GET TeeTimes":
        return search(golfer, url);
      case "GET BookingRuleModels":
        return bookingRules(url);
      case "GET GetUserInformation":
        return json(200, {
          golferId: golfer.golferId,
          memberClassCode: classOf(golfer),
          email: golfer.email,
          acct: golfer.acct,
        });
      case "POST UnLockTeeTimes":
        return unlock(golfer, body);
      case "POST CancelReservation":
        return cancel(golfer, body);
      case "POST CheckBookingLimit":
        return upcomingOf(golfer.golferId).length >= config.maxReservations
          ? json(200, { isSuccess: false, message: "You have reached the maximum number of reservations." })
          : json(200, { isSuccess: true });
      case "POST LockTeeTimes":
        return lock(golfer, body);
      case "POST TeeTimePricesCalculation":
        return price(golfer, body);
      case "POST RegisterTransactionId":
        if (typeof body.transactionId !== "string") return json(400, { message: "Invalid transaction id" });
        registered.add(body.transactionId);
        return json(200, { isSuccess: true });
      case "POST ReserveTeeTimes":
        return reserve(golfer, body);
      case "GET UpcomingReservation":
        return upcoming(golfer, url);
      default:
        return json(404, { message: `No route ${route}` });
    }
  }

  const simulator = await startSimulator(
    async (url, request, text) => {
      if (url.pathname === "/__sim/token-fault" && request.method === "POST") {
        const { fault, times } = JSON.parse(text) as { fault: TokenFault; times?: number };
        tokenFault = fault;
        tokenFaultsLeft = times ?? Number.POSITIVE_INFINITY;
        return { status: 204, body: null };
      }
      if (url.pathname === "/__sim/revoke-tokens" && request.method === "POST") {
        tokens.clear();
        return { status: 204, body: null };
      }
      if (request.method === "POST" && url.pathname.startsWith("/__sim/")) {
        const answer = control(url, text);
        if (answer) return answer;
      }
      if (url.pathname === "/__sim/reservations" && request.method === "GET") {
        return json(200, {
          reservations: reservations.map((r) => ({
            reservationId: r.reservationId,
            teeSheetId: r.teeSheetId,
            teeTime: r.startTime,
            players: r.players,
            bookedAt: new Date(r.bookedAt).toISOString(),
            by: r.by,
            ...(r.cancelled ? { cancelled: true } : {}),
          })),
        });
      }
      if (url.pathname === "/identityapi/connect/token" && request.method === "POST") return signIn(text);
      if (url.pathname === "/onlineresweb/Home/Configuration" && request.method === "GET")
        return configuration();
      if (url.pathname === "/identityapi/.well-known/openid-configuration/jwks")
        return json(200, { keys: [(await signing).jwk] });
      if (url.pathname.startsWith(API)) {
        const endpoint = url.pathname.slice(API.length);
        const answer = api(endpoint, url, request, text);
        if (revokeAfter === endpoint) {
          revokeAfter = undefined;
          tokens.clear();
        }
        return answer;
      }
      return json(404, { message: "Not found" });
    },
    { now, ...(options.oneWayMs ? { oneWayMs: options.oneWayMs } : {}) },
  );

  const healSite = simulator.heal;
  const closeSite = simulator.close;
  return Object.assign(simulator, {
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await closeSite();
    },
    teeSheetId,
    openSpots,
    takeSpots(id: number, count: number) {
      book(id, freeSeats(id).slice(0, count));
    },
    release,
    setRivals(next: Rivals | undefined) {
      rivals = next;
    },
    releaseOf,
    reservations,
    failTokens(fault: TokenFault, times?: number) {
      tokenFault = fault;
      tokenFaultsLeft = times ?? Number.POSITIVE_INFINITY;
    },
    revokeTokens() {
      tokens.clear();
    },
    revokeTokensAfter(endpoint: string) {
      revokeAfter = endpoint;
    },
    heal() {
      healSite();
      tokenFault = undefined;
      tokenFaultsLeft = 0;
      revokeAfter = undefined;
    },
  });
}
