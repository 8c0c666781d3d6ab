import { readBody } from "../../functions/core/http.ts";
import { isLoopback } from "../../functions/core/loopback.ts";

/**
 * A course set up from its CPS Golf site's URL alone, the way the site's own web app finds its ids: the public
 * `GET /onlineresweb/Home/Configuration` (API base, site name, client id, build), then `GetAllOptions/<siteName>`
 * (website id, site id, terminal id, course names) and `OnlineCourses` (course ids, time zone). None needs a sign-in.
 */

const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

/** The most a discovery reads of one answer: a site's configuration and course list are a few kilobytes. */
export const MAX_DISCOVERY_BYTES = 1024 * 1024;

/** Characters a site's text may not bring to a terminal or a file: C0 and C1 controls, bidi and zero-width marks. */
function isUnprintable(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** A site's text as it may be printed or written: no control characters (a terminal's escapes), trimmed, bounded. */
export function printableText(value: string, max = 200): string {
  return Array.from(value)
    .filter((char) => !isUnprintable(char.codePointAt(0) ?? 0))
    .join("")
    .trim()
    .slice(0, max);
}

const positiveInteger = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value > 0;

function isTimeZone(value: unknown): value is string {
  if (typeof value !== "string" || !/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export interface DiscoveredSite {
  siteName: string;
  origin: string;
  clientId: string;
  websiteId?: string;
  siteId: number;
  terminalId?: number;
  timeZone: string;
  courses: { courseId: number; courseName: string }[];
}

/** What a discovery could not do, in one sentence for the person. */
export class DiscoveryFailed extends Error {
  override readonly name = "DiscoveryFailed";
}

async function getJson(fetcher: typeof fetch, url: string, headers: Record<string, string> = {}) {
  let response: Response;
  try {
    response = await fetcher(url, {
      headers: { accept: "application/json", ...headers },
      redirect: "error",
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new DiscoveryFailed(`${url} could not be reached (${(error as Error).message}).`);
  }
  const text = await boundedText(response, url);
  if (response.status === 403 || /challenge-platform|cf-chl/i.test(text)) {
    throw new DiscoveryFailed(
      `${url} answered with a bot check (HTTP ${response.status}): this site cannot be used from a server.`,
    );
  }
  if (!response.ok) throw new DiscoveryFailed(`${url} answered HTTP ${response.status}.`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DiscoveryFailed(`${url} did not answer with JSON: is it a CPS Golf site?`);
  }
}

/** The answer's text, up to MAX_DISCOVERY_BYTES (declared or streamed); a larger one is refused, not held. */
async function boundedText(response: Response, url: string): Promise<string> {
  let read: Awaited<ReturnType<typeof readBody>>;
  try {
    read = await readBody(response, MAX_DISCOVERY_BYTES);
  } catch (error) {
    throw new DiscoveryFailed(`${url} stopped answering (${(error as Error).message}).`);
  }
  if (!read.ok) throw new DiscoveryFailed(`${url} answered with more than 1 MB: is it a CPS Golf site?`);
  return read.text;
}

export async function discoverSite(siteUrl: string, fetcher: typeof fetch = fetch): Promise<DiscoveredSite> {
  let origin: URL;
  try {
    origin = new URL(siteUrl);
  } catch {
    throw new DiscoveryFailed(
      `"${siteUrl}" is not a URL; give the site's address, e.g. https://<name>.cps.golf`,
    );
  }
  if (origin.protocol !== "https:" && !(origin.protocol === "http:" && isLoopback(origin.hostname))) {
    throw new DiscoveryFailed(`The site must be https: ${origin.origin}`);
  }
  const configuration = (await getJson(fetcher, `${origin.origin}/onlineresweb/Home/Configuration`)) as {
    onlineApi?: unknown;
    siteName?: unknown;
    clientId?: unknown;
    buildNumber?: unknown;
    websiteId?: unknown;
  } | null;
  if (typeof configuration?.siteName !== "string" || typeof configuration.onlineApi !== "string") {
    throw new DiscoveryFailed(`${origin.origin} has no CPS Golf configuration (no siteName or onlineApi).`);
  }
  const siteName = printableText(configuration.siteName);
  if (!/^[\w.-]{1,100}$/.test(siteName)) {
    throw new DiscoveryFailed(
      `${origin.origin} names its site "${siteName}", which is not a CPS Golf site name.`,
    );
  }
  // The API is asked on the site's own origin only: a configuration pointing elsewhere (another host, plain http)
  // would send our requests, and later the golfer's credentials, there.
  let api: string;
  try {
    const apiUrl = new URL(configuration.onlineApi, origin);
    if (apiUrl.origin !== origin.origin) throw new Error("another origin");
    api = apiUrl.href.replace(/\/+$/, "");
  } catch {
    throw new DiscoveryFailed(
      `${origin.origin} says its API is at ${printableText(configuration.onlineApi)}, not on the site itself: refused.`,
    );
  }
  const clientId =
    typeof configuration.clientId === "string" && /^[\w.-]{1,100}$/.test(configuration.clientId)
      ? configuration.clientId
      : "onlineresweb";
  const base = { "x-componentid": "1", "x-productid": "1", "client-id": clientId };
  const version = typeof configuration.buildNumber === "string" ? configuration.buildNumber : "";
  const options = (await getJson(
    fetcher,
    `${api}/GetAllOptions/${encodeURIComponent(configuration.siteName)}?version=${encodeURIComponent(version)}&product=3`,
    { ...base, "x-websiteid": ZERO_GUID, "x-siteid": "1" },
  )) as {
    webSiteId?: unknown;
    reservationOptions?: { webSiteId?: unknown; siteId?: unknown; terminalId?: unknown };
  } | null;
  const guid = (value: unknown) =>
    typeof value === "string" &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) &&
    value !== ZERO_GUID
      ? value
      : undefined;
  const websiteId =
    guid(options?.webSiteId) ?? guid(options?.reservationOptions?.webSiteId) ?? guid(configuration.websiteId);
  const siteId = positiveInteger(options?.reservationOptions?.siteId) ? options.reservationOptions.siteId : 1;
  const terminalId = options?.reservationOptions?.terminalId;
  const courses = (await getJson(fetcher, `${api}/OnlineCourses`, {
    ...base,
    "x-websiteid": websiteId ?? ZERO_GUID,
    "x-siteid": String(siteId),
  })) as { courseId?: unknown; courseName?: unknown; timezoneId?: unknown; active?: unknown }[] | null;
  const active = (Array.isArray(courses) ? courses : []).filter(
    (c) => positiveInteger(c?.courseId) && c.active !== false,
  );
  if (active.length === 0) throw new DiscoveryFailed(`${origin.origin} lists no courses that take bookings.`);
  const zone = active.find((c) => typeof c.timezoneId === "string")?.timezoneId;
  return {
    siteName,
    origin: origin.origin,
    clientId,
    ...(websiteId ? { websiteId } : {}),
    siteId,
    ...(positiveInteger(terminalId) ? { terminalId } : {}),
    timeZone: isTimeZone(zone) ? zone : "UTC",
    courses: active.map((c) => ({
      courseId: c.courseId as number,
      courseName: (typeof c.courseName === "string" && printableText(c.courseName)) || siteName,
    })),
  };
}

/** The course file entry for a discovered site: its courses searched together, at the given coordinates. */
export function courseEntry(site: DiscoveredSite, at: { latitude: number; longitude: number }, id?: string) {
  return {
    id: id ?? site.siteName.toLowerCase(),
    name: site.courses[0]?.courseName ?? site.siteName,
    timeZone: site.timeZone,
    latitude: at.latitude,
    longitude: at.longitude,
    origin: site.origin,
    clientId: site.clientId,
    courseIds: site.courses.map((c) => c.courseId).join(","),
    ...(site.websiteId ? { websiteId: site.websiteId } : {}),
    // Writes need the tenant's site id and terminal id on some sites (a missing x-terminalid fails ReserveTeeTimes).
    headers: {
      "x-siteid": String(site.siteId),
      ...(site.terminalId !== undefined ? { "x-terminalid": String(site.terminalId) } : {}),
    },
  };
}
