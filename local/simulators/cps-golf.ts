import { generateKeyPair, type KeyObject, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { promisify } from "node:util";
import { SignJWT } from "jose";
import { bookingEndpoints } from "./cps-golf-booking.ts";
import { createTeeSheet } from "./cps-golf-sheet.ts";
import {
  API,
  type GolfSimulator,
  type GolfSimulatorOptions,
  json,
  type SimGolfer,
  simConfigOf,
  type TokenFault,
} from "./cps-golf-types.ts";
import { type SimAnswer, startSimulator } from "./sim-server.ts";

export {
  DEMO_GOLFER,
  type GolfSimulator,
  type GolfSimulatorOptions,
  NOT_RELEASED_MESSAGE,
  type ReleaseRule,
  type Rivals,
  type SimGolfer,
  type SimReservation,
  type TokenFault,
} from "./cps-golf-types.ts";

/**
 * A loopback CPS Golf course: an identity server issuing real RS256 JWTs with a published JWKS, and the online
 * reservation API with a tee sheet every 10 minutes from 07:00 to 17:00 local for the booking window, limited
 * spots, holds (LockTeeTimes), pricing, optional steps, reservations and the faults tests need.
 */
export async function startGolfSimulator(options: GolfSimulatorOptions): Promise<GolfSimulator> {
  const config = simConfigOf(options);
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
  const sheet = createTeeSheet(config, options);
  const {
    now,
    reservations,
    registered,
    timers,
    teeSheetId,
    openSpots,
    book,
    freeSeats,
    release,
    releaseOf,
  } = sheet;
  const { classOf, upcomingOf } = sheet;
  const { search, lock, price, reserve, unlock, cancel, bookingRules, upcoming } = bookingEndpoints(
    config,
    sheet,
  );

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
        const answer = sheet.control(url, text);
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
    setRivals: sheet.setRivals,
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
