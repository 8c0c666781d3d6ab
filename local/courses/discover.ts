import { isLoopback } from "../../functions/core/loopback.ts";

/**
 * A course set up from its CPS Golf site's URL alone, the way the site's own web app finds its ids: the public
 * `GET /onlineresweb/Home/Configuration` (API base, site name, client id, build), then `GetAllOptions/<siteName>`
 * (website id, site id, terminal id, course names) and `OnlineCourses` (course ids, time zone). None needs a sign-in.
 */

const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

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
  const text = await response.text();
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
  const siteName = configuration.siteName;
  const api = configuration.onlineApi.replace(/\/+$/, "");
  const clientId = typeof configuration.clientId === "string" ? configuration.clientId : "onlineresweb";
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
    typeof value === "string" && value && value !== ZERO_GUID ? value : undefined;
  const websiteId =
    guid(options?.webSiteId) ?? guid(options?.reservationOptions?.webSiteId) ?? guid(configuration.websiteId);
  const siteId =
    typeof options?.reservationOptions?.siteId === "number" ? options.reservationOptions.siteId : 1;
  const terminalId = options?.reservationOptions?.terminalId;
  const courses = (await getJson(fetcher, `${api}/OnlineCourses`, {
    ...base,
    "x-websiteid": websiteId ?? ZERO_GUID,
    "x-siteid": String(siteId),
  })) as { courseId?: unknown; courseName?: unknown; timezoneId?: unknown; active?: unknown }[] | null;
  const active = (Array.isArray(courses) ? courses : []).filter(
    (c) => typeof c.courseId === "number" && c.active !== false,
  );
  if (active.length === 0) throw new DiscoveryFailed(`${origin.origin} lists no courses that take bookings.`);
  const zone = active.find((c) => typeof c.timezoneId === "string")?.timezoneId;
  return {
    siteName: configuration.siteName,
    origin: origin.origin,
    clientId,
    ...(websiteId ? { websiteId } : {}),
    siteId,
    ...(typeof terminalId === "number" ? { terminalId } : {}),
    timeZone: typeof zone === "string" ? zone : "UTC",
    courses: active.map((c) => ({
      courseId: c.courseId as number,
      courseName: typeof c.courseName === "string" ? c.courseName : siteName,
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
