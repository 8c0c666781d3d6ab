import type { Server, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseEntry, DiscoveryFailed, discoverSite } from "../../local/courses/discover.ts";
import { type Handler, serve } from "../loopback-server.ts";

/** `npm run courses -- add` against hostile sites: it stays on the site's origin, reads little, writes clean ids. */

let elsewhere: { server: Server; url: string };
let site: { server: Server; url: string };
const reachedElsewhere: string[] = [];
let answer: Handler = () => {};

beforeAll(async () => {
  elsewhere = await serve((request, response) => {
    reachedElsewhere.push(request.url ?? "");
    response.end("[]");
  });
  site = await serve((request, response) => answer(request, response));
});
afterAll(async () => {
  await new Promise((resolve) => elsewhere.server.close(resolve));
  await new Promise((resolve) => site.server.close(resolve));
});

const json = (response: ServerResponse, body: unknown) => {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};

/** A site whose configuration says `configuration` and whose course list is `courses`. */
function siteSaying(configuration: Record<string, unknown>, courses: unknown[]): Handler {
  return (request, response) => {
    const path = request.url ?? "";
    if (path.startsWith("/onlineresweb/Home/Configuration")) return json(response, configuration);
    if (path.includes("/GetAllOptions/")) return json(response, { reservationOptions: { siteId: 1 } });
    if (path.includes("/OnlineCourses")) return json(response, courses);
    response.writeHead(404).end();
  };
}

async function refusal(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    expect(error).toBeInstanceOf(DiscoveryFailed);
    return (error as Error).message;
  }
  throw new Error("expected the discovery to be refused");
}

describe("discovering a hostile site", () => {
  it("refuses an API the configuration puts on another host, asking it nothing", async () => {
    answer = siteSaying({ siteName: "evil", onlineApi: `${elsewhere.url}/onlineres/onlineapi/api/v1/x` }, []);
    const message = await refusal(discoverSite(site.url));
    expect(message).toMatch(
      /says its API is at http:\/\/127\.0\.0\.1:\d+\/onlineres.*not on the site itself: refused/,
    );
    expect(reachedElsewhere).toEqual([]);
  });

  it("stops reading an answer past 1 MB, declared or streamed, and says so", async () => {
    for (const declared of [true, false]) {
      answer = (_request, response) => {
        response.writeHead(200, {
          "content-type": "application/json",
          ...(declared ? { "content-length": String(1536 * 1024 * 1024) } : {}),
        });
        response.on("error", () => {});
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        let sent = 0;
        const more = () => {
          while (sent++ < 16) if (!response.write(chunk)) return void response.once("drain", more);
          response.end();
        };
        more();
      };
      expect(await refusal(discoverSite(site.url))).toMatch(
        /answered with more than 1 MB: is it a CPS Golf site\?/,
      );
    }
  });

  it("writes no terminal escapes, control characters or malformed ids into the course file", async () => {
    answer = siteSaying(
      { siteName: "links", onlineApi: `${site.url}/onlineres/onlineapi/api/v1/onlinereservation` },
      [
        {
          courseId: 2,
          courseName: "\u001b[31mRed\u001b[0m Links\u0007\u202e",
          timezoneId: "../../etc/passwd",
        },
        { courseId: 1.5, courseName: "half" },
        { courseId: -7, courseName: "negative" },
        { courseId: "3", courseName: "a string" },
      ],
    );
    const discovered = await discoverSite(site.url);
    const entry = courseEntry(discovered, { latitude: 1, longitude: 2 });
    expect(entry.courseIds).toBe("2");
    expect(entry.name).toBe("[31mRed[0m Links");
    expect(JSON.stringify(entry)).not.toMatch(/\\u001b|\\u0007|\\u202e/);
    expect(entry.timeZone).toBe("UTC");
  });

  it("refuses a site name that could not be a CPS Golf site's", async () => {
    answer = siteSaying({ siteName: "../../x y", onlineApi: `${site.url}/api` }, []);
    expect(await refusal(discoverSite(site.url))).toMatch(/which is not a CPS Golf site name/);
  });
});
