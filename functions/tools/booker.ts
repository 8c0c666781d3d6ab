import {
  BookingIncomplete,
  isRetriedFailure,
  ToolError,
  UpstreamRejected,
  UpstreamUnavailable,
} from "../core/errors.ts";
import type { Booking, BookingJournal, BookingNote } from "./booking.ts";
import { CpsGolfApi, type GolfCourse, type GolfDeps, type GolferClaims } from "./cps-golf.ts";
import { type Reservation, upcomingReservations } from "./golf-get-reservations.ts";
import { withOffset } from "./local-time.ts";
import { printable } from "./upstream.ts";

export interface BookingRequest {
  teeSheetId: number;
  players: number;
  holes: 9 | 18;
}

interface Pricing {
  transactionId: string;
  totalDueAtCourse: number | null;
  startTime?: string;
}

const AT_LIMIT = /already have a reservation|maximum|limit/i;

/**
 * The booking, step by step. Until the site holds the tee time, a transient failure is thrown as it is (the
 * workflow may retry: nothing changed). After that, every failure is BookingIncomplete or a rejection, naming the
 * step and saying whether anything was booked, and is never retried.
 */
export class Booker {
  readonly #api: CpsGolfApi;
  /** The site, for the steps after the hold: they go before other calls' requests waiting for the site's pace. */
  readonly #held: CpsGolfApi;
  readonly #course: GolfCourse;
  readonly #deps: GolfDeps;
  readonly #request: BookingRequest;

  constructor(course: GolfCourse, request: BookingRequest, deps: GolfDeps) {
    this.#api = new CpsGolfApi(course, deps);
    this.#held = new CpsGolfApi(course, deps, { urgent: true });
    this.#course = course;
    this.#deps = deps;
    this.#request = request;
  }

  async book(journal?: BookingJournal): Promise<Booking> {
    const golfer = await this.#api.golfer();
    const steps = this.#course.golf.bookingSteps;
    // The limit check and the hold go together (a round trip less at a release): when the check refuses, the hold
    // it raced is let go, and nothing was booked.
    const [limit, held] = await Promise.allSettled([
      steps.includes("checkBookingLimit") ? this.#checkLimit(golfer) : undefined,
      this.#lock(golfer),
    ]);
    if (limit.status === "rejected") {
      if (held.status === "fulfilled") await this.#letGo(golfer);
      throw limit.reason;
    }
    if (held.status === "rejected") throw held.reason;
    const sessionId = held.value;
    // While the site prices the hold, note the golfer's reservations as they are before this one (if the booking is
    // cut off during ReserveTeeTimes, the one new reservation on this course is this booking's), and register the
    // site's extra transaction id: a fresh UUID of ours, which needs nothing from the pricing.
    const fresh = steps.includes("registerTransactionId") ? this.#deps.newId() : undefined;
    const [pricing, before] = await Promise.all([
      this.#afterLock("TeeTimePricesCalculation", () => this.#price(golfer)),
      journal
        ? this.#afterLock("UpcomingReservation", () =>
            upcomingReservations(this.#course, this.#deps, this.#held),
          )
        : [],
      fresh
        ? this.#afterLock("RegisterTransactionId", () =>
            this.#held.post("RegisterTransactionId", { transactionId: fresh }),
          )
        : undefined,
    ]);
    if (journal) await this.#afterLock("the booking's journal", () => this.#note(journal, before, pricing));
    // The registered UUID becomes transactionId and the pricing one bookingTransactionId (as the site does).
    const transactionId = fresh ?? pricing.transactionId;
    const bookingTransactionId = fresh ? pricing.transactionId : undefined;
    const reserved = await this.#reserve(golfer, sessionId, transactionId, bookingTransactionId);
    const startTime = pricing.startTime ?? (await this.#startTimeOf(golfer, reserved.reservationId));
    return {
      course: this.#course.name,
      teeSheetId: this.#request.teeSheetId,
      startTime: startTime ? withOffset(startTime, this.#course.timeZone) : null,
      players: this.#request.players,
      reservationId: reserved.reservationId,
      confirmationKey: reserved.confirmationKey,
      totalDueAtCourse: pricing.totalDueAtCourse,
    };
  }

  async #note(journal: BookingJournal, before: Reservation[], pricing: Pricing): Promise<void> {
    const note: BookingNote = {
      course: this.#course.id,
      players: this.#request.players,
      teeSheetId: this.#request.teeSheetId,
      before: before.map((reservation) => reservation.reservationId),
      at: this.#deps.clock.now(),
    };
    if (pricing.startTime) note.startTime = pricing.startTime.slice(0, 16);
    await journal.note(note);
  }

  get #what(): string {
    const { teeSheetId, players } = this.#request;
    return `tee time ${teeSheetId} for ${players} player${players === 1 ? "" : "s"}`;
  }

  async #checkLimit(golfer: GolferClaims) {
    const answer = (await this.#api.post("CheckBookingLimit", {
      golferId: golfer.golferId,
      numberOfPlayer: this.#request.players,
      teeSheetId: this.#request.teeSheetId,
    })) as { isSuccess?: unknown; message?: unknown } | null;
    if (answer?.isSuccess === false) {
      const said = typeof answer.message === "string" ? ` The site said: "${printable(answer.message)}"` : "";
      throw new UpstreamRejected(
        `${this.#course.name} will not take another booking from this golfer right now (booking limit).${said}`,
        { upstream: "cps-golf" },
      );
    }
  }

  async #lock(golfer: GolferClaims): Promise<string> {
    let answer: { sessionId?: unknown; error?: unknown; warning?: unknown } | null;
    try {
      answer = (await this.#api.post("LockTeeTimes", {
        teeSheetIds: [this.#request.teeSheetId],
        email: golfer.email,
        action: "Online Reservation V5",
        sessionId: this.#deps.newId(),
        golferId: golfer.golferId,
        classCode: this.#course.golf.classCode,
        numberOfPlayer: this.#request.players,
        navigateUrl: "",
        isGroupBooking: false,
      })) as typeof answer;
    } catch (error) {
      // Safe to retry only when the site never saw the request, or said so (429); otherwise a hold may exist.
      const notSeen =
        isRetriedFailure(error) && (error.details.delivered === "no" || error.details.upstreamStatus === 429);
      if (notSeen || !isRetriedFailure(error)) throw this.#lockRefused(error);
      throw new BookingIncomplete(
        `The ${this.#course.name} booking site failed while holding ${this.#what} (LockTeeTimes${statusOf(error)}). ` +
          "Nothing was booked. Try again in a few minutes.",
        error.details,
      );
    }
    const siteError = typeof answer?.error === "string" ? printable(answer.error) : "";
    const warning = typeof answer?.warning === "string" ? printable(answer.warning) : "";
    if (siteError) {
      throw new UpstreamRejected(
        `${this.#course.name} could not hold ${this.#what}: ${siteError} Search again for another time.`,
        { upstream: "cps-golf" },
      );
    }
    if (warning && AT_LIMIT.test(warning)) {
      throw new UpstreamRejected(`${this.#course.name} refused ${this.#what}: ${warning}`, {
        upstream: "cps-golf",
      });
    }
    if (typeof answer?.sessionId !== "string" || !answer.sessionId) {
      throw new BookingIncomplete(
        `The ${this.#course.name} booking site answered the hold on ${this.#what} without a session (LockTeeTimes). ` +
          "Nothing was booked. Try again in a few minutes.",
        { upstream: "cps-golf" },
      );
    }
    return answer.sessionId;
  }

  /** Lets go of the hold (best effort: it expires on its own). */
  async #letGo(golfer: GolferClaims): Promise<void> {
    try {
      await this.#held.post("UnLockTeeTimes", {
        teeSheetIds: [this.#request.teeSheetId],
        golferId: golfer.golferId,
      });
    } catch {
      // The hold expires on its own.
    }
  }

  #lockRefused(error: unknown): unknown {
    if (error instanceof UpstreamRejected && error.details.upstreamStatus === 404) {
      return new UpstreamRejected(
        `${this.#course.name} has no tee time ${this.#request.teeSheetId}. Search again and use a teeSheetId from the results.`,
        error.details,
      );
    }
    return error;
  }

  /** Runs a step after the hold: any failure means nothing was booked and the hold expires on the site. */
  async #afterLock<T>(step: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const details = error instanceof ToolError ? error.details : {};
      throw new BookingIncomplete(
        `The booking of ${this.#what} at ${this.#course.name} stopped at step ${step}${statusOf(error)}: ` +
          `${reasonOf(error)} Nothing was booked; the hold on the tee time expires on its own. Try again in a few minutes.`,
        details,
      );
    }
  }

  async #price(golfer: GolferClaims): Promise<Pricing> {
    const { teeSheetId, players, holes } = this.#request;
    const site = this.#course.golf;
    const bookingList = Array.from({ length: players }, (_, i) => ({
      teeSheetId,
      holes,
      participantNo: i + 1,
      golferId: i === 0 ? golfer.golferId : 0,
      rateCode: "N",
      isUnassignedPlayer: i > 0,
      memberClassCode: site.classCode,
      memberStoreId: site.memberStoreId,
      cartType: 1,
      playerId: "0",
      acct: i === 0 ? golfer.acct : null,
      isGuestOf: false,
      isUseCapacityPricing: false,
    }));
    const answer = (await this.#held.post("TeeTimePricesCalculation", {
      selectedTeeSheetId: teeSheetId,
      bookingList,
      holes,
      numberOfPlayer: players,
      numberOfRider: players,
      cartType: 1,
      coupon: null,
      depositType: 0,
      depositAmount: 0,
      selectedValuePackageCode: null,
      isUseCapacityPricing: false,
      thirdPartyId: null,
      ibxCardOnFile: null,
      transactionId: null,
    })) as {
      transactionId?: unknown;
      startTime?: unknown;
      summaryDetail?: { totalDueAtCourse?: unknown };
    } | null;
    if (typeof answer?.transactionId !== "string" || !answer.transactionId) {
      throw new UpstreamUnavailable("the site priced the tee time without a transaction id.", {
        upstream: "cps-golf",
      });
    }
    const due = answer.summaryDetail?.totalDueAtCourse;
    const pricing: Pricing = {
      transactionId: answer.transactionId,
      totalDueAtCourse: typeof due === "number" ? due : null,
    };
    if (typeof answer.startTime === "string") pricing.startTime = answer.startTime;
    return pricing;
  }

  async #reserve(
    golfer: GolferClaims,
    sessionId: string,
    transactionId: string,
    bookingTransactionId?: string,
  ) {
    const site = this.#course.golf;
    const body: Record<string, unknown> = {
      cancelReservationLink: this.#api.cancelUrl,
      homePageLink: new URL("/onlineresweb/", site.origin).href,
      affiliateId: null,
      sessionGuid: null,
      finalizeSaleModel: {
        acct: golfer.acct,
        playerId: 0,
        isGuest: false,
        // Pay at the course: no card data is ever sent or stored.
        creditCardInfo: {
          cardNumber: null,
          cardHolder: null,
          expireMM: null,
          expireYY: null,
          cvv: null,
          email: golfer.email,
          cardToken: null,
        },
        monerisCC: null,
        ibxCC: null,
      },
      lockedTeeTimesSessionId: sessionId,
      transactionId,
    };
    if (bookingTransactionId) body.bookingTransactionId = bookingTransactionId;
    let answer: {
      reservationId?: unknown;
      confirmationKey?: unknown;
      reservationResult?: unknown;
      message?: unknown;
    } | null;
    try {
      answer = (await this.#held.post("ReserveTeeTimes", body)) as typeof answer;
    } catch (error) {
      throw this.#reserveFailed(error);
    }
    if (answer?.reservationResult !== 1) {
      const said =
        typeof answer?.message === "string" && answer.message
          ? ` The site said: "${printable(answer.message)}"`
          : "";
      throw new UpstreamRejected(
        `${this.#course.name} declined the reservation of ${this.#what} (ReserveTeeTimes).${said} Nothing was booked.`,
        { upstream: "cps-golf" },
      );
    }
    if (typeof answer.reservationId !== "number" || typeof answer.confirmationKey !== "string") {
      throw new BookingIncomplete(
        `${this.#course.name} confirmed the reservation of ${this.#what} without its id or confirmation key. ` +
          "It is probably booked: check with golf_get_reservations before booking again.",
        { upstream: "cps-golf" },
      );
    }
    return { reservationId: answer.reservationId, confirmationKey: answer.confirmationKey };
  }

  #reserveFailed(error: unknown): ToolError {
    if (!(error instanceof ToolError)) throw error;
    if (error instanceof UpstreamRejected) {
      return new UpstreamRejected(
        `${this.#course.name} declined the reservation of ${this.#what} (ReserveTeeTimes${statusOf(error)}). ` +
          "Nothing was booked; the hold on the tee time expires on its own.",
        error.details,
      );
    }
    if (error.details.delivered === "no") {
      return new BookingIncomplete(
        `The booking of ${this.#what} at ${this.#course.name} stopped at step ReserveTeeTimes: the site could ` +
          "not be reached. Nothing was booked. Try again in a few minutes.",
        error.details,
      );
    }
    // The site may have booked it and failed to say so. Re-sending could book twice, so it is left to the person.
    return new BookingIncomplete(
      `The booking of ${this.#what} at ${this.#course.name} failed at the last step (ReserveTeeTimes${statusOf(error)}), ` +
        "so it may or may not be booked. Check with golf_get_reservations before trying again.",
      error.details,
    );
  }

  /** The booked start time, from the reservations list, when the pricing answer did not carry it. */
  async #startTimeOf(golfer: GolferClaims, reservationId: number): Promise<string | undefined> {
    try {
      const page = (await this.#held.upcomingReservations(golfer, 1)) as {
        items?: { reservationId?: unknown; startTime?: unknown }[];
      } | null;
      const found = page?.items?.find((item) => item.reservationId === reservationId)?.startTime;
      return typeof found === "string" ? found : undefined;
    } catch {
      return undefined; // the booking stands; only its time is unknown here
    }
  }
}

function statusOf(error: unknown): string {
  const status = error instanceof ToolError ? error.details.upstreamStatus : undefined;
  return status ? `, HTTP ${status}` : "";
}

function reasonOf(error: unknown): string {
  if (error instanceof ToolError) return error.message.endsWith(".") ? error.message : `${error.message}.`;
  return "an unexpected error.";
}

/** One booking of a tee sheet: lock → price → (register) → reserve, noting the journal before it reserves. */
export function bookTeeSheet(
  course: GolfCourse,
  request: BookingRequest,
  deps: GolfDeps,
  journal?: BookingJournal,
): Promise<Booking> {
  return new Booker(course, request, deps).book(journal);
}
