/**
 * The local runtime in a process of its own, for the load benchmark and the burst test (its peak RSS is then its
 * own): simulated upstreams, get_weather replaced by a zero-latency tool so the figures are the orchestration's
 * alone, and send_push_notification by one that takes as many milliseconds as its title says (a number), or stays
 * working until its step's timeout (any other title: a call to long-poll).
 * Prints `READY <mcpUrl> <eventsFile>` on stdout.
 */
import { startRuntime } from "../../local/runtime.ts";
import { KEY } from "./stats.ts";

const runtime = await startRuntime({
  dataDir: process.argv[2] ?? ".tmp/bench-load",
  host: "127.0.0.1",
  port: 0,
  upstreams: "simulated",
  apiKey: KEY,
  log: (line) => process.stderr.write(`${line}\n`),
  toolHandlers: {
    get_weather: async (event) => ({
      resultJson: '{"content":[{"type":"text","text":"ok"}]}',
      summary: "ok",
      durationMs: Date.now() - event.startedAt,
    }),
    send_push_notification: (event) => {
      const ms = Number((event.arguments as { title?: unknown }).title);
      if (!Number.isFinite(ms)) return new Promise(() => {});
      return new Promise((resolve) =>
        setTimeout(
          () =>
            resolve({
              resultJson: '{"content":[{"type":"text","text":"sent"}]}',
              summary: "sent",
              durationMs: Date.now() - event.startedAt,
            }),
          ms,
        ),
      );
    },
  },
});
process.stdout.write(`READY ${runtime.mcpUrl} ${runtime.eventsFile}\n`);
process.on("SIGTERM", () => {
  void runtime.stop().then(() => process.exit(0));
});
