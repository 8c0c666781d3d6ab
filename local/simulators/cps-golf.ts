import { generateKeyPair, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { promisify } from "node:util";
import { SignJWT } from "jose";
import { addDays, dateString, daysBetween, localParts, timeOfDay } from "../../functions/tools/local-time.ts";
import { type SimAnswer, type Simulator, startSimulator } from "./sim-server.ts";

export interface SimGolfer {
  username: string;
  password: string;
  golferId: number;
  acct: string;
  email: string;
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
}

export interface SimReservation {
  reservationId: number;
  golferId: number;
  teeSheetId: number;
  startTime: string;
  players: number;
  confirmationKey: string;
}

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
  const booked = new Map<number, number>();
  const holds = new Map<string, { teeSheetId: number; players: number; golferId: number; expires: number }>();
  const pricings = new Map<string, { sessionId: string; teeSheetId: number; players: number }>();
  const registered = new Set<string>();
  const reservations: SimReservation[] = [];
  let nextReservationId = 5001;

  const today = () => localParts(config.timeZone, new Date()).date;

  function slotOf(teeSheetId: number): { date: string; time: string } | undefined {
    const slot = teeSheetId % 100;
    if (!Number.isInteger(teeSheetId) || teeSheetId < 100 || slot >= SLOTS_PER_DAY) return undefined;
    const date = addDays(EPOCH, Math.floor(teeSheetId / 100));
    const offset = daysBetween(today(), date);
    if (offset < 0 || offset > config.bookingWindowDays) return undefined;
    return { date, time: slotTime(slot) };
  }

  function teeSheetId(date: string, time: string): number {
    const day = daysBetween(EPOCH, date);
    const [hh, mm] = time.split(":").map(Number);
    return day * 100 + ((hh ?? 0) * 60 + (mm ?? 0) - FIRST_TEE_MINUTES) / INTERVAL_MINUTES;
  }

  function openSpots(id: number): number {
    const now = Date.now();
    let held = 0;
    for (const [session, hold] of holds) {
      if (hold.expires <= now) holds.delete(session);
      else if (hold.teeSheetId === id) held += hold.players;
    }
    return Math.max(0, config.spotsPerTeeTime - (booked.get(id) ?? 0) - held);
  }

  async function issueToken(golfer: SimGolfer): Promise<string> {
    const fault = tokenFaultsLeft > 0 ? tokenFault : undefined;
    if (fault) tokenFaultsLeft -= 1;
    const now = Math.floor(Date.now() / 1000);
    const exp = fault === "expired" ? now - 600 : now + config.tokenLifetimeSeconds;
    const claims = {
      golferId: String(golfer.golferId),
      acct: golfer.acct,
      email: golfer.email,
      sub: golfer.username,
    };
    const base = () => new SignJWT(claims).setIssuedAt(now).setExpirationTime(exp).setIssuer("sim-cps-golf");
    let token: string;
    if (fault === "algNone") {
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      token = `${part({ alg: "none", typ: "JWT" })}.${part({ ...claims, iat: now, exp })}.`;
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
    return session && session.expires > Date.now() ? session.golfer : undefined;
  }

  function search(url: URL): SimAnswer {
    const q = url.searchParams;
    if (q.get("classCode") !== config.classCode || q.get("memberStoreId") !== config.memberStoreId) {
      return json(400, { message: "Invalid class code or member store" });
    }
    if (q.get("courseIds") !== config.courseIds) return json(400, { message: "Invalid course ids" });
    const asked = new Date(Date.parse(q.get("searchDate") ?? ""));
    if (Number.isNaN(asked.getTime())) return json(400, { message: "Invalid searchDate" });
    // Date.parse reads "Wed Oct 29 2025" as local midnight: the local getters give back the day asked for.
    const date = `${asked.getFullYear()}-${String(asked.getMonth() + 1).padStart(2, "0")}-${String(asked.getDate()).padStart(2, "0")}`;
    if (dateString(date) !== q.get("searchDate")) return json(400, { message: "Invalid searchDate" });
    const slots = [];
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
      const time = slotTime(slot);
      const id = teeSheetId(date, time);
      if (!slotOf(id)) continue;
      const open = openSpots(id);
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
        availableParticipantNo: Array.from({ length: open }, (_, i) => i + 1),
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
    return reservations.filter((r) => r.golferId === golferId && r.startTime >= now);
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
    if (!slotOf(id))
      return json(200, { sessionId: "", error: "The selected tee time does not exist.", warning: "" });
    if (openSpots(id) < players) {
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
      golferId: golfer.golferId,
      expires: Date.now() + HOLD_MS,
    });
    return json(200, { sessionId, error: "", warning: "" });
  }

  function price(golfer: SimGolfer, body: Record<string, unknown>): SimAnswer {
    const id = body.selectedTeeSheetId as number;
    const session = [...holds.entries()].find(
      ([, hold]) => hold.teeSheetId === id && hold.golferId === golfer.golferId && hold.expires > Date.now(),
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
    if (!hold || hold.expires <= Date.now() || hold.golferId !== golfer.golferId) {
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
    booked.set(hold.teeSheetId, (booked.get(hold.teeSheetId) ?? 0) + hold.players);
    const slot = slotOf(hold.teeSheetId);
    const reservation: SimReservation = {
      reservationId: nextReservationId++,
      golferId: golfer.golferId,
      teeSheetId: hold.teeSheetId,
      startTime: slot ? `${slot.date}T${slot.time}:00` : "",
      players: hold.players,
      confirmationKey: randomBytes(4).toString("hex").toUpperCase(),
    };
    reservations.push(reservation);
    return json(200, {
      reservationId: reservation.reservationId,
      bookingIds: Array.from({ length: hold.players }, (_, i) => reservation.reservationId * 10 + i),
      confirmationKey: reservation.confirmationKey,
      reservationResult: 1,
      bookingGolferId: golfer.golferId,
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

  function api(endpoint: string, url: URL, request: IncomingMessage, text: string): SimAnswer {
    const headers = request.headers;
    if (headers["x-componentid"] !== "1" || headers["client-id"] !== config.clientId) {
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
        return search(url);
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

  const simulator = await startSimulator(async (url, request, text) => {
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
    if (url.pathname === "/identityapi/connect/token" && request.method === "POST") return signIn(text);
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
  });

  const healSite = simulator.heal;
  return Object.assign(simulator, {
    teeSheetId,
    openSpots,
    takeSpots(id: number, count: number) {
      booked.set(id, (booked.get(id) ?? 0) + count);
    },
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
