import type { JsonObject } from "../core/json.ts";
import type { Recall } from "../core/tool.ts";

/**
 * What the golf tools that book ask the golfer to confirm (ToolDefinition.confirm), in plain words from the
 * arguments. The front has no golf site to ask, so a tee time's start and price come from the golfer's own recent
 * search that listed it, said as such; without one, the sentence says what is not known rather than guess.
 */

const SEARCH_TOOL = "golf_search_tee_times";

const playersOf = (args: JsonObject) => {
  const players = typeof args.players === "number" ? args.players : 1;
  return `${players} player${players === 1 ? "" : "s"}`;
};
const holesOf = (args: JsonObject) => `${args.holes === 9 ? 9 : 18} holes`;
const courseOf = (args: JsonObject) =>
  typeof args.course === "string" ? args.course : "the configured course";
const money = (amount: number) => `$${amount.toFixed(2)}`;

interface SeenTeeTime {
  course: string;
  startTime: string;
  price: number | null;
  seenAt: string;
}

/** The tee time as the caller's newest search that listed it showed it. */
async function seenTeeTime(args: JsonObject, recall: Recall): Promise<SeenTeeTime | undefined> {
  const wanted = typeof args.course === "string" ? args.course.toLowerCase() : undefined;
  for (const search of await recall(SEARCH_TOOL)) {
    const { course, teeTimes } = search.structuredContent as { course?: unknown; teeTimes?: unknown };
    if (typeof course !== "string" || !Array.isArray(teeTimes)) continue;
    const askedFor = typeof search.arguments.course === "string" ? search.arguments.course.toLowerCase() : "";
    if (wanted !== undefined && askedFor !== wanted && !course.toLowerCase().startsWith(wanted)) continue;
    const match = teeTimes.find((t: { teeSheetId?: unknown }) => t.teeSheetId === args.teeSheetId) as
      | { startTime: string; price: number | null }
      | undefined;
    if (match) return { course, startTime: match.startTime, price: match.price, seenAt: search.at };
  }
  return undefined;
}

/** golf_book_tee_time: the tee time, the players and the price. */
export async function planOfBooking(args: JsonObject, recall: Recall): Promise<string> {
  const seen = await seenTeeTime(args, recall);
  if (!seen) {
    return (
      `Book tee time ${String(args.teeSheetId)} at ${courseOf(args)} for ${playersOf(args)}, ${holesOf(args)}? ` +
      "Its start and price are not in your recent searches; the booking's answer will give them. Payment is at the course."
    );
  }
  const when = `${seen.startTime.slice(0, 10)} at ${seen.startTime.slice(11, 16)}`;
  const players = typeof args.players === "number" ? args.players : 1;
  const price =
    seen.price === null
      ? "no price listed"
      : `${money(seen.price)} a player, ${money(seen.price * players)} due at the course`;
  return (
    `Book ${seen.course} on ${when} for ${playersOf(args)}, ${holesOf(args)} (${price})? ` +
    `As your search at ${seen.seenAt.slice(11, 16)} UTC showed it; the course's own answer is final.`
  );
}

/** golf_book_when_open and golf_watch_tee_times: the plan, what it books and until when. */
export async function planOfSchedule(args: JsonObject): Promise<string | undefined> {
  if (args.book === false) return undefined; // a watch that only tells books nothing
  const window =
    args.startTime || args.endTime
      ? ` between ${String(args.startTime ?? "the first tee time")} and ${String(args.endTime ?? "the last")}`
      : "";
  const preference =
    args.preference === "closest"
      ? `closest to ${String(args.closestTo ?? "the middle of the window")}`
      : `${String(args.preference ?? "earliest")} first`;
  const price = typeof args.maxPrice === "number" ? `, at most ${money(args.maxPrice)} a player` : "";
  const when =
    typeof args.until === "string"
      ? `Watching until ${args.until}, it books the first tee time that opens`
      : "At the second the date opens, it books the best open tee time";
  return (
    `Book ${courseOf(args)} on ${String(args.date)}${window} for ${playersOf(args)}, ${holesOf(args)} ` +
    `(${preference}${price})? ${when}, once, even while you sleep. Payment is at the course.`
  );
}
