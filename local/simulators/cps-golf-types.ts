import { timeOfDay } from "../../functions/tools/local-time.ts";
import type { SimAnswer, Simulator } from "./sim-server.ts";

/** The simulated CPS Golf site's shapes and settings: what its tests and the runtime configure and read. */

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

export const API = "/onlineres/onlineapi/api/v1/onlinereservation/";
export const FIRST_TEE_MINUTES = 7 * 60;
export const LAST_TEE_MINUTES = 17 * 60;
export const INTERVAL_MINUTES = 10;
export const SLOTS_PER_DAY = (LAST_TEE_MINUTES - FIRST_TEE_MINUTES) / INTERVAL_MINUTES + 1;
export const EPOCH = "2000-01-01";
export const HOLD_MS = 10 * 60_000;
export const PRICES = { 18: 45, 9: 28 } as const;

export const json = (status: number, body: unknown): SimAnswer => ({ status, body });

/** The local time of a day's slot (0 is the first tee). */
export function slotTime(slot: number): string {
  const minutes = FIRST_TEE_MINUTES + slot * INTERVAL_MINUTES;
  return timeOfDay(Math.floor(minutes / 60), minutes % 60);
}

/** The site's settings: the options over the defaults of a small public course. */
export function simConfigOf(options: GolfSimulatorOptions) {
  return {
    courseIds: "1",
    clientId: "onlineresweb",
    classCode: "R",
    memberStoreId: "1",
    bookingWindowDays: 14,
    spotsPerTeeTime: 4,
    steps: [] as NonNullable<GolfSimulatorOptions["steps"]>,
    golfers: [DEMO_GOLFER],
    maxReservations: 8,
    tokenLifetimeSeconds: 3600,
    pricingHasStartTime: true,
    ...options,
  };
}

export type SimConfig = ReturnType<typeof simConfigOf>;
