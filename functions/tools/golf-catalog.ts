import type { Prompt } from "@modelcontextprotocol/sdk/types.js";
import {
  type CatalogContent,
  type Contents,
  PRIVATE_NOW,
  type PromptEntry,
  type Reader,
} from "../core/catalog.ts";
import type { Course } from "./courses.ts";

/**
 * The resources, prompts and completions a golfer's assistant gets besides the tools (functions/core/catalog.ts
 * serves them in both protocol eras): the courses with their booking rules, the golfer's upcoming reservations, any
 * call's record; "plan a round" and "book when it opens"; course names and request ids completed as they are typed.
 */

const JSON_TYPE = "application/json";

/** A golf flag, small enough to travel inline (no server of ours to fetch it from). */
const FLAG_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="27" r="4" fill="#2e7d32"/>' +
  '<path d="M15 4h2v23h-2z" fill="#555"/><path d="M17 4l11 5-11 5z" fill="#d32f2f"/></svg>';
export const ICONS = [
  {
    src: `data:image/svg+xml;base64,${Buffer.from(FLAG_SVG).toString("base64")}`,
    mimeType: "image/svg+xml",
    sizes: ["any"],
  },
];

const json = (uri: string, value: unknown): Contents => [
  { uri, mimeType: JSON_TYPE, text: JSON.stringify(value, null, 2) },
];

/** A course as a golfer needs to know it: where, and for a bookable one, when its dates open. */
function courseView(course: Course) {
  const golf = course.golf;
  return {
    id: course.id,
    name: course.name,
    ...(course.address ? { address: course.address } : {}),
    timeZone: course.timeZone,
    takesBookings: golf !== undefined,
    ...(golf
      ? {
          bookingRules: {
            bookingWindowDays: golf.bookingWindowDays,
            releaseTime: golf.releaseTime,
            summary:
              `A date opens ${golf.bookingWindowDays} days ahead at ${golf.releaseTime.slice(0, 5)} ` +
              `${course.timeZone} time, as configured; the site's own published rules win when a booking reads them.`,
          },
        }
      : {}),
  };
}

/** Course names (and ids) that start with what was typed, case-insensitively. */
function courseNames(courses: readonly Course[], typed: string): string[] {
  const wanted = typed.trim().toLowerCase();
  return courses
    .filter((c) => c.name.toLowerCase().startsWith(wanted) || c.id.toLowerCase().startsWith(wanted))
    .map((c) => c.name);
}

const REQUEST_TEMPLATE = "rez://requests/{requestId}";

export function golfCatalog(courses: readonly Course[]): CatalogContent {
  const completeCourse = (argument: string, value: string) =>
    argument === "course" ? courseNames(courses, value) : [];
  /** A prompt that asks, as the user, what `say` makes of its arguments; its course is completed. */
  const golfPrompt = (prompt: Prompt, say: (args: Record<string, string>) => string): PromptEntry => ({
    prompt: { ...prompt, icons: ICONS },
    messages: (args) => [{ role: "user", content: { type: "text", text: say(args) } }],
    complete: completeCourse,
  });
  const courseArgument = {
    name: "course",
    description: `The course (${courses.map((c) => c.name).join(", ") || "none configured"})`,
    required: false,
  };
  const readReservations = async (reader: Reader): Promise<Contents> => {
    const uri = "rez://reservations";
    const result = await reader.call("golf_get_reservations", {});
    // A tool error (no golf account, the site down) is what the golfer should read, not a protocol failure.
    if (result.isError || !result.structuredContent) {
      const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
      return [{ uri, mimeType: "text/plain", text }];
    }
    return json(uri, result.structuredContent);
  };

  return {
    icons: ICONS,
    resources: [
      {
        resource: {
          uri: "rez://courses",
          name: "courses",
          title: "Golf courses and their booking rules",
          description:
            "The configured courses: where they are, their time zones, and when each bookable one opens dates.",
          mimeType: JSON_TYPE,
          icons: ICONS,
        },
        // The courses are configuration: they change only with a restart or a deploy.
        cache: { ttlMs: 3_600_000, cacheScope: "public" },
        read: async () => json("rez://courses", { courses: courses.map(courseView) }),
      },
      {
        resource: {
          uri: "rez://reservations",
          name: "reservations",
          title: "My upcoming tee times",
          description:
            "The golfer's upcoming reservations on every bookable course, read from the sites now.",
          mimeType: JSON_TYPE,
          icons: ICONS,
        },
        cache: PRIVATE_NOW,
        read: readReservations,
      },
    ],
    templates: [
      {
        template: {
          uriTemplate: REQUEST_TEMPLATE,
          name: "request",
          title: "A call's record",
          description: "One of my calls by its request id: status, plan or result, and its execution.",
          mimeType: JSON_TYPE,
          icons: ICONS,
        },
        cache: PRIVATE_NOW,
        match: (uri) => {
          const found = /^rez:\/\/requests\/([^/?#]+)$/.exec(uri);
          if (!found?.[1]) return undefined;
          try {
            return { requestId: decodeURIComponent(found[1]) };
          } catch {
            return undefined;
          }
        },
        read: async ({ requestId }, reader) => {
          const view = await reader.status(requestId as string);
          return view && json(`rez://requests/${encodeURIComponent(requestId as string)}`, view);
        },
        complete: async (variable, value, reader) =>
          variable === "requestId"
            ? (await reader.recentRequestIds()).filter((id) => id.startsWith(value))
            : [],
      },
    ],
    prompts: [
      golfPrompt(
        {
          name: "plan_a_round",
          title: "Plan a round",
          description: "The weather and the open tee times for a day, and the best times to play.",
          arguments: [
            { name: "date", description: "The day, YYYY-MM-DD", required: true },
            courseArgument,
            { name: "players", description: "How many players (1-4)", required: false },
          ],
        },
        (args) =>
          `Plan a round of golf on ${args.date}${args.course ? ` at ${args.course}` : ""}` +
          `${args.players ? ` for ${args.players} players` : ""}. Get the forecast for that day with ` +
          "get_weather and the open tee times with golf_search_tee_times, then suggest the two or three best " +
          "times given the weather (wind, rain, heat) and the prices. Do not book anything: ask me first.",
      ),
      golfPrompt(
        {
          name: "book_when_it_opens",
          title: "Book when it opens",
          description: "Book a tee time the second its date opens for booking, even while you sleep.",
          arguments: [
            { name: "date", description: "The day to play, YYYY-MM-DD", required: true },
            courseArgument,
            { name: "players", description: "How many players (1-4)", required: false },
            { name: "window", description: "The times that suit, e.g. 07:00-10:00", required: false },
          ],
        },
        (args) =>
          `I want to play on ${args.date}${args.course ? ` at ${args.course}` : ""}` +
          `${args.players ? ` with ${args.players} players` : ""}` +
          `${args.window ? `, between ${args.window}` : ""}. Read rez://courses for when that date opens. ` +
          "Tell me the plan (the course, date, window, players and the moment it opens), and once I agree, " +
          "schedule it with golf_book_when_open. If the date is already open but full, offer " +
          "golf_watch_tee_times instead.",
      ),
    ],
  };
}
