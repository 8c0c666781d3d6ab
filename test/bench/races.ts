import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { RACE_LEAD_MS } from "../../functions/tools/golf-book-when-open.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { AwsLatencyModel } from "../../local/rehearsal/aws-model.ts";
import { startRehearsal } from "../../local/rehearsal/rehearsal.ts";
import { postToolCall } from "../../local/rehearsal/session.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf.ts";
import { KEY, summary } from "./stats.ts";
import { benchRuntime } from "./tools.ts";

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

/** How many scheduled bookings race the release (and rivals at 300 ms). */
const RACES = Number(process.env.REZ_RACES ?? 20);
const RIVALS_AFTER_MS = 300;

/**
 * golf_book_when_open through the local runtime, against the simulated site: each race schedules a booking for a
 * date that opens 1.5 s later, with rivals booking the two earliest tee times 300 ms after the release. Measures the
 * time from the release to the site's confirmation of our reservation, and how often ours beat the rivals (took the
 * earliest time).
 */
export async function races() {
  const { runtime, stop } = await benchRuntime({ simulatedGolf: { maxReservations: 1_000 } });
  const site = runtime.simulators.golf["sample-links"] as GolfSimulator;
  const today = localParts("America/Los_Angeles", new Date()).date;
  const headers = {
    "x-api-key": KEY,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  const latencies: number[] = [];
  let beatRivals = 0;
  let bookedOnce = 0;
  try {
    site.setRivals({ afterMs: RIVALS_AFTER_MS, count: 2 });
    for (let i = 0; i < RACES; i++) {
      const date = addDays(today, 40 + i);
      const releasesAt = site.release(date, 1_500);
      const answer = await fetch(runtime.mcpUrl, {
        method: "POST",
        headers,
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: i,
          method: "tools/call",
          params: { name: "golf_book_when_open", arguments: { date, players: 2 } },
        }),
      });
      const id = String((await answer.json()).result?._meta?.[REQUEST_ID_META_KEY]);
      const view = await settled(`${runtime.mcpUrl}/status/${id}`, { "x-api-key": KEY });
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
  } finally {
    await stop();
  }
  return {
    races: RACES,
    rivalsAfterMs: RIVALS_AFTER_MS,
    releaseToReservationMs: summary(latencies),
    beatRivals,
    bookedExactlyOnce: bookedOnce,
  };
}

/** How many races run on the AWS latency model (REZ_AWS_RACES overrides, for a quicker look). */
const AWS_RACES = Number(process.env.REZ_AWS_RACES ?? 20);

/**
 * golf_book_when_open on the synthesized stack under the AWS latency model (the rehearsal: the template's state
 * machine and bundles, each service as slow as its published figures, a site 80 ms away): each race schedules a
 * booking for a date that opens RACE_LEAD_MS + 2 s later, so the race is woken by its Wait state, invoked, and
 * waits in-process for the release; rivals book the two earliest times 300 ms after it.
 */
export async function racesOnAwsModel() {
  const rehearsal = await startRehearsal(
    (line) => {
      if (process.env.REZ_BENCH_VERBOSE) process.stderr.write(`${line}\n`);
    },
    { awsModel: new AwsLatencyModel(), golfSite: { maxReservations: 1_000 } },
  );
  const site = rehearsal.simulators.golf;
  const status = async (id: string) =>
    (await (
      await fetch(`${rehearsal.endpoint}/status/${id}?wait=10`, {
        headers: { "x-api-key": rehearsal.apiKey },
      })
    ).json()) as { status: string; statusMessage?: string };
  const today = localParts("America/Los_Angeles", new Date()).date;
  const latencies: number[] = [];
  let beatRivals = 0;
  let bookedOnce = 0;
  try {
    site.setRivals({ afterMs: RIVALS_AFTER_MS, count: 2 });
    for (let i = 0; i < AWS_RACES; i++) {
      const date = addDays(today, 60 + i);
      const releasesAt = site.release(date, RACE_LEAD_MS + 2_000);
      const answer = await postToolCall(rehearsal, "golf_book_when_open", { date, players: 2 });
      const id = String(answer._meta?.[REQUEST_ID_META_KEY]);
      // The status's long poll ends at the plan: poll until the call settles, within a minute.
      let view = await status(id);
      for (const until = Date.now() + 60_000; view.status === "working" && Date.now() < until; ) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        view = await status(id);
      }
      if (view.status !== "completed")
        throw new Error(`race ${i} ended ${view.status}: ${view.statusMessage}`);
      const ours = site.reservations.filter((r) => r.startTime.startsWith(date) && r.by === "golfer");
      if (ours.length === 1) bookedOnce += 1;
      const mine = ours[0];
      if (!mine) throw new Error(`race ${i}: no reservation`);
      latencies.push(mine.bookedAt - releasesAt);
      if (mine.startTime.endsWith("07:00:00")) beatRivals += 1;
    }
  } finally {
    await rehearsal.close();
  }
  const measured = summary(latencies);
  return {
    races: AWS_RACES,
    rivalsAfterMs: RIVALS_AFTER_MS,
    medianMs: measured.median,
    p95Ms: measured.p95,
    beatRivals,
    bookedOnce,
  };
}
