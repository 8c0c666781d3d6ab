import { readFile } from "node:fs/promises";
import type { SecretsDocument } from "../functions/core/secrets.ts";
import { DEFAULT_NTFY_BASE_URL, DEFAULT_WEATHER_CONFIG } from "../functions/handlers/environment.ts";
import { type Course, parseCourses } from "../functions/tools/courses.ts";
import type { WeatherConfig } from "../functions/tools/get-weather.ts";
import type { NtfyConfig } from "../functions/tools/ntfy.ts";
import type { RuntimeOptions } from "./runtime.ts";
import { DEMO_GOLFER, type GolfSimulator, startGolfSimulator } from "./simulators/cps-golf.ts";
import { type NtfySimulator, startNtfySimulator } from "./simulators/ntfy.ts";
import { startNwsSimulator } from "./simulators/nws.ts";
import { SIMULATED_PLACE_NAMES, startOpenMeteoSimulator } from "./simulators/open-meteo.ts";
import type { Simulator } from "./simulators/sim-server.ts";

/** The simulated upstreams, in simulated mode. */
export interface Simulators {
  nws?: Simulator;
  openMeteo?: Simulator;
  ntfy?: NtfySimulator;
  /** One simulated CPS Golf site per bookable course, by course id. */
  golf: Record<string, GolfSimulator>;
}

const SAMPLE_COURSES = new URL("./sample-courses.json", import.meta.url);

/**
 * What the tools reach: the real upstreams, or (simulated mode) a loopback simulator for each, the sample courses
 * each with a CPS Golf site of its own, and the demo golfer unless credentials are configured. Each simulator's
 * close is pushed to `cleanups`.
 */
export async function prepareUpstreams(
  options: Pick<
    RuntimeOptions,
    "upstreams" | "weather" | "ntfy" | "coursesFile" | "simulatedGolf" | "secrets" | "log"
  >,
  cleanups: (() => Promise<void>)[],
) {
  const simulators: Simulators = { golf: {} };
  let weatherConfig: WeatherConfig = { ...DEFAULT_WEATHER_CONFIG };
  let ntfyConfig: NtfyConfig = { baseUrl: DEFAULT_NTFY_BASE_URL };
  let secrets: SecretsDocument = options.secrets ?? {};
  if (options.upstreams === "simulated") {
    simulators.ntfy = await startNtfySimulator({
      // Simulated pushes reach no phone: the terminal shows them instead (title and tags, not the message).
      onPush: (push) =>
        options.log(
          `push (simulated ntfy, topic ${push.topic}): ${push.title ? `"${push.title}"` : "(no title)"}${push.tags?.length ? ` [${push.tags.join(", ")}]` : ""}`,
        ),
    });
    cleanups.push(simulators.ntfy.close);
    ntfyConfig = { baseUrl: simulators.ntfy.url, topic: "rez-agent-mcp-demo" };
    simulators.nws = await startNwsSimulator();
    cleanups.push(simulators.nws.close);
    simulators.openMeteo = await startOpenMeteoSimulator();
    cleanups.push(simulators.openMeteo.close);
    weatherConfig = {
      nwsBaseUrl: simulators.nws.url,
      geocodingBaseUrl: simulators.openMeteo.url,
      openMeteoBaseUrl: simulators.openMeteo.url,
      geocoderNote:
        `This is the simulated geocoder (--upstreams simulated): it knows only ${SIMULATED_PLACE_NAMES.join(", ")}. ` +
        'Use one of those, a configured course, or coordinates as "lat,lon".',
    };
  }
  weatherConfig = { ...weatherConfig, ...options.weather };
  ntfyConfig = { ...ntfyConfig, ...options.ntfy };
  let courses = await loadCourses(
    options.coursesFile ?? (options.upstreams === "simulated" ? SAMPLE_COURSES : undefined),
  );
  if (options.upstreams === "simulated") {
    // Every bookable course gets its own simulated site, and the demo golfer unless credentials are configured.
    const golf: Record<string, unknown> = { ...secrets.golf };
    courses = await Promise.all(
      courses.map(async (course) => {
        if (!course.golf) return course;
        const site = course.golf;
        const simulator = await startGolfSimulator({
          courseName: course.name,
          timeZone: course.timeZone,
          courseIds: site.courseIds,
          clientId: site.clientId,
          classCode: site.classCode,
          memberStoreId: site.memberStoreId,
          bookingWindowDays: site.bookingWindowDays,
          steps: site.bookingSteps,
          ...options.simulatedGolf,
          ...(site.websiteId ? { websiteId: site.websiteId } : {}),
        });
        cleanups.push(simulator.close);
        simulators.golf[course.id] = simulator;
        golf[course.id] ??= { username: DEMO_GOLFER.username, password: DEMO_GOLFER.password };
        return { ...course, golf: { ...site, origin: simulator.url } };
      }),
    );
    secrets = { ...secrets, golf: golf as SecretsDocument["golf"] & object };
  }
  return { simulators, weatherConfig, ntfyConfig, courses, secrets };
}

async function loadCourses(file: string | URL | undefined): Promise<Course[]> {
  if (!file) return [];
  try {
    return parseCourses(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    throw new Error(`Cannot read the courses file ${String(file)}: ${(error as Error).message}`);
  }
}
