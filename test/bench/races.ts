import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { RACE_LEAD_MS } from "../../functions/tools/golf-book-when-open.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { AwsLatencyModel } from "../../local/rehearsal/aws-model.ts";
import { startRehearsal } from "../../local/rehearsal/rehearsal.ts";
import { postToolCall } from "../../local/rehearsal/session.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import { KEY, MCP_HEADERS, summary } from "./stats.ts";
import { benchRuntime } from "./tools.ts";

/** How many scheduled bookings race the release (and rivals at 300 ms). */
const RACES = Number(process.env.REZ_RACES ?? 20);
/** How many races run on the AWS latency model (REZ_AWS_RACES overrides, for a quicker look). */
const AWS_RACES = Number(process.env.REZ_AWS_RACES ?? 20);
const RIVALS_AFTER_MS = 300;

/** Where a race's booking is scheduled: its call, then its status route (with the key it needs). */
interface RaceTrack {
  site: GolfSimulator;
  /** Schedules golf_book_when_open for `date` (2 players); its request id. */
  schedule(date: string, i: number): Promise<string>;
  statusUrl(id: string): string;
  headers: Record<string, string>;
}

/**
 * A call's status once it settles, within a minute: the status route's long poll ends as soon as a scheduled call
 * has its plan, so it is asked again until the call is no longer working.
 */
async function settled(statusUrl: string, headers: Record<string, string>) {
  const read = async () =>
    (await (await fetch(`${statusUrl}?wait=10`, { headers })).json()) as {
      status: string;
      statusMessage?: string;
    };
  let view = await read();
  for (const until = Date.now() + 60_000; view.status === "working" && Date.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    view = await read();
  }
  return view;
}

/**
 * `count` races, one after another: each schedules a booking for a date that opens `releaseInMs` later, with rivals
 * booking the two earliest tee times 300 ms after the release. Measures the time from the release to the site's
 * confirmation of our reservation, how often ours beat the rivals (took the earliest time), and whether it was
 * booked exactly once.
 */
async function race(track: RaceTrack, count: number, releaseInMs: number, firstDay: number) {
  const { site } = track;
  const today = localParts("America/Los_Angeles", new Date()).date;
  const latencies: number[] = [];
  let beatRivals = 0;
  let bookedOnce = 0;
  site.setRivals({ afterMs: RIVALS_AFTER_MS, count: 2 });
  for (let i = 0; i < count; i++) {
    const date = addDays(today, firstDay + i);
    const releasesAt = site.release(date, releaseInMs);
    const id = await track.schedule(date, i);
    const view = await settled(track.statusUrl(id), track.headers);
    if (process.env.REZ_BENCH_VERBOSE) process.stderr.write(`race ${i}: ${view.status}\n`);
    if (view.status !== "completed") {
      if (process.env.REZ_BENCH_VERBOSE)
        for (const [k, r] of site.requests.entries())
          process.stderr.write(`${(site.requestTimes[k] ?? 0) - releasesAt} ${r.slice(0, 100)}\n`);
      throw new Error(`race ${i} ended ${view.status}: ${view.statusMessage}`);
    }
    const ours = site.reservations.filter((r) => r.startTime.startsWith(date) && r.by === "golfer");
    if (ours.length === 1) bookedOnce += 1;
    const mine = ours[0];
    if (!mine) throw new Error(`race ${i}: no reservation`);
    latencies.push(mine.bookedAt - releasesAt);
    if (mine.startTime.endsWith("07:00:00")) beatRivals += 1;
  }
  return { latencies, beatRivals, bookedOnce };
}

/** golf_book_when_open through the local runtime, against the simulated site: each date opens 1.5 s after the call. */
export async function races() {
  const { runtime, stop } = await benchRuntime({ simulatedGolf: { maxReservations: 1_000 } });
  try {
    const { latencies, beatRivals, bookedOnce } = await race(
      {
        site: runtime.simulators.golf["sample-links"] as GolfSimulator,
        schedule: async (date, i) => {
          const answer = await fetch(runtime.mcpUrl, {
            method: "POST",
            headers: MCP_HEADERS,
            body: JSON.stringify({
              jsonrpc: "2.0",
              id: i,
              method: "tools/call",
              params: { name: "golf_book_when_open", arguments: { date, players: 2 } },
            }),
          });
          return String((await answer.json()).result?._meta?.[REQUEST_ID_META_KEY]);
        },
        statusUrl: (id) => `${runtime.mcpUrl}/status/${id}`,
        headers: { "x-api-key": KEY },
      },
      RACES,
      1_500,
      40,
    );
    return {
      races: RACES,
      rivalsAfterMs: RIVALS_AFTER_MS,
      releaseToReservationMs: summary(latencies),
      beatRivals,
      bookedExactlyOnce: bookedOnce,
    };
  } finally {
    await stop();
  }
}

/**
 * golf_book_when_open on the synthesized stack under the AWS latency model (the rehearsal: the template's state
 * machine and bundles, each service as slow as its published figures, a site 80 ms away): each race schedules a
 * booking for a date that opens RACE_LEAD_MS + 2 s later, so the race is woken by its Wait state, invoked, and
 * waits in-process for the release.
 */
export async function racesOnAwsModel() {
  const rehearsal = await startRehearsal(
    (line) => {
      if (process.env.REZ_BENCH_VERBOSE) process.stderr.write(`${line}\n`);
    },
    { awsModel: new AwsLatencyModel(), golfSite: { maxReservations: 1_000 } },
  );
  try {
    const { latencies, beatRivals, bookedOnce } = await race(
      {
        site: rehearsal.simulators.golf,
        schedule: async (date) => {
          const answer = await postToolCall(rehearsal, "golf_book_when_open", { date, players: 2 });
          return String(answer._meta?.[REQUEST_ID_META_KEY]);
        },
        statusUrl: (id) => `${rehearsal.endpoint}/status/${id}`,
        headers: { "x-api-key": rehearsal.apiKey },
      },
      AWS_RACES,
      RACE_LEAD_MS + 2_000,
      60,
    );
    const measured = summary(latencies);
    return {
      races: AWS_RACES,
      rivalsAfterMs: RIVALS_AFTER_MS,
      medianMs: measured.median,
      p95Ms: measured.p95,
      beatRivals,
      bookedOnce,
    };
  } finally {
    await rehearsal.close();
  }
}
