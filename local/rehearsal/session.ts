import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { idempotentRequestId } from "../../functions/core/digest.ts";
import type { JsonObject } from "../../functions/core/json.ts";
import { KEY_MESSAGES, keyRefusalBody } from "../../functions/core/key-refusal.ts";
import { mirroredHeaders } from "../../functions/core/mcp-headers.ts";
import { RACE_LEAD_MS } from "../../functions/tools/golf-book-when-open.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { REHEARSAL_GOLFER, REHEARSAL_ORIGIN, type Rehearsal } from "./rehearsal.ts";

const ELICITS = { elicitation: {} };
const TAKES_TASKS = { extensions: { "io.modelcontextprotocol/tasks": {} } };

/** One step of the session: what it did and how long it took. */
export interface Step {
  name: string;
  ms: number;
  ok: boolean;
  detail?: string;
}

type Result = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
};

/**
 * An MCP client session against the rehearsal, as Claude's connector would hold it: initialize, tools/list, every
 * tool against the simulators, a booking whose event triggers the notification rule, an honest cancel, the
 * reconciler fed Step Functions' own event, and the sweeper's schedule. Throws on the first step that fails.
 */
export async function runSession(rehearsal: Rehearsal) {
  const steps: Step[] = [];
  const step = async <T>(name: string, run: () => Promise<T>, check: (value: T) => string | undefined) => {
    const started = performance.now();
    const value = await run();
    const problem = check(value);
    steps.push({
      name,
      ms: performance.now() - started,
      ok: !problem,
      ...(problem ? { detail: problem } : {}),
    });
    if (problem) throw new Error(`${name}: ${problem}`);
    return value;
  };
  const client = new Client({ name: "rehearsal", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(rehearsal.endpoint), {
    requestInit: { headers: { "x-api-key": rehearsal.apiKey } },
  });
  await step(
    "initialize",
    () => client.connect(transport),
    () => undefined,
  );
  await step(
    "a wrong key reads as a wrong key (the stack's gateway response)",
    async () => {
      const response = await fetch(rehearsal.endpoint, {
        method: "POST",
        headers: { "x-api-key": "not-the-key", "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      return { status: response.status, body: await response.text() };
    },
    ({ status, body }) =>
      status === 403 && body === JSON.stringify(keyRefusalBody(KEY_MESSAGES.either))
        ? undefined
        : `HTTP ${status}: ${body}`,
  );
  await step(
    "a browser's CORS preflight is answered without a key, for the stage's allowed origin only",
    async () => {
      const preflight = (origin: string) =>
        fetch(rehearsal.endpoint, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "POST" },
        });
      const allowed = await preflight(REHEARSAL_ORIGIN);
      const other = await preflight("https://evil.example");
      return {
        allowed: allowed.status,
        grant: allowed.headers.get("access-control-allow-origin"),
        other: other.status,
      };
    },
    ({ allowed, grant, other }) =>
      allowed === 204 && grant === REHEARSAL_ORIGIN && other === 403
        ? undefined
        : `allowed ${allowed} (${grant}), other ${other}`,
  );
  const call = (name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args }) as Promise<Result>;
  /** A call's status once it settles (a scheduled call's status answers at once with its plan), within a minute. */
  const settled = async (id: string) => {
    let status = await call("get_request_status", { requestId: id, wait: 5 });
    for (const until = Date.now() + 60_000; status.structuredContent?.status === "working"; ) {
      if (Date.now() > until) break;
      await sleep(250);
      status = await call("get_request_status", { requestId: id });
    }
    return status;
  };
  const statusIs = (expected: string) => (r: Result) =>
    r.structuredContent?.status === expected
      ? undefined
      : `status ${String(r.structuredContent?.status)}: ${r.content[0]?.text}`;
  try {
    const tools = await step(
      "tools/list",
      () => client.listTools(),
      (listed) => (listed.tools.length >= 6 ? undefined : `only ${listed.tools.length} tools`),
    );
    void tools;
    await step(
      "get_weather (express)",
      () => call("get_weather", { location: "sample-links", days: 1 }),
      (r) => (r.isError ? r.content[0]?.text : undefined),
    );
    const date = addDays(localParts("America/Los_Angeles", new Date()).date, 3);
    const search = await step(
      "golf_search_tee_times (express)",
      () => call("golf_search_tee_times", { date, players: 2, startTime: "08:00", endTime: "09:00" }),
      (r) => (r.isError ? r.content[0]?.text : undefined),
    );
    const teeTimes = search.structuredContent?.teeTimes as { teeSheetId: number }[];
    const before = rehearsal.simulators.ntfy.received.length;
    const booked = await step(
      "golf_book_tee_time (standard)",
      () => call("golf_book_tee_time", { teeSheetId: teeTimes[0]?.teeSheetId, players: 2 }),
      (r) => (r.isError ? r.content[0]?.text : undefined),
    );
    await step(
      "booking notification (rule → notifier bundle → ntfy)",
      () =>
        waitFor(
          () => rehearsal.simulators.ntfy.received.slice(before).some((m) => m.title === "Tee time booked"),
          10_000,
        ),
      (seen) => (seen ? undefined : "no push notification arrived"),
    );
    await step(
      "golf_get_reservations (express)",
      () => call("golf_get_reservations", {}),
      (r) =>
        JSON.stringify(r.structuredContent).includes(String(booked.structuredContent?.confirmationKey))
          ? undefined
          : "the booking is not listed",
    );
    await step(
      "a golfer's own key books as that golfer, and only its phone hears (GOLFER_KEYS, its secret by name)",
      async () => {
        const alice = new Client({ name: "rehearsal-golfer", version: "1.0.0" });
        await alice.connect(
          new StreamableHTTPClientTransport(new URL(rehearsal.endpoint), {
            requestInit: { headers: { "x-api-key": rehearsal.golferKeys[REHEARSAL_GOLFER.id] as string } },
          }),
        );
        try {
          const teeSheetId = teeTimes.at(-1)?.teeSheetId;
          const result = (await alice.callTool({
            name: "golf_book_tee_time",
            arguments: { teeSheetId, players: 1 },
          })) as Result;
          const pushed = await waitFor(
            () => rehearsal.simulators.ntfy.received.some((m) => m.topic === REHEARSAL_GOLFER.ntfyTopic),
            10_000,
          );
          const listedForDefault = JSON.stringify(
            (await call("golf_get_reservations", {})).structuredContent,
          );
          const held = rehearsal.simulators.golf.reservations.find(
            (r) => r.teeSheetId === teeSheetId && !r.cancelled,
          );
          return { result, pushed, listedForDefault, held };
        } finally {
          await alice.close();
        }
      },
      ({ result, pushed, listedForDefault, held }) => {
        if (result.isError) return result.content[0]?.text;
        if (held?.golferId !== REHEARSAL_GOLFER.site.golferId) return `booked as golfer ${held?.golferId}`;
        if (listedForDefault.includes(String(result.structuredContent?.confirmationKey)))
          return "the default golfer lists it";
        return pushed ? undefined : "no push reached the golfer's own topic";
      },
    );
    await step(
      "a 2026-07-28 client confirms a booking first (MRTR, signed with the stack's generated key)",
      async () => {
        const args = { teeSheetId: teeTimes[1]?.teeSheetId, players: 1 };
        const call = (more: Record<string, unknown> = {}) =>
          modern(rehearsal, "tools/call", { name: "golf_book_tee_time", arguments: args, ...more }, ELICITS);
        const asked = await call();
        const accepted = await call({
          requestState: asked.requestState,
          inputResponses: { confirm: { action: "accept", content: {} } },
        });
        return { asked, accepted };
      },
      ({ asked, accepted }) => {
        if (asked.resultType !== "input_required") return `first answer ${JSON.stringify(asked)}`;
        const booking = accepted.structuredContent as { reservationId?: number } | undefined;
        return booking?.reservationId ? undefined : `accepted answer ${JSON.stringify(accepted)}`;
      },
    );
    await step(
      "a 2026-07-28 client that takes tasks books through one, and tasks/get brings the result (no change signal)",
      async () => {
        const created = await modern(
          rehearsal,
          "tools/call",
          { name: "golf_book_tee_time", arguments: { teeSheetId: teeTimes[2]?.teeSheetId, players: 1 } },
          TAKES_TASKS,
        );
        let polled: Record<string, unknown> = created;
        for (const until = Date.now() + 60_000; polled.status === "working" && Date.now() < until; ) {
          polled = await modern(rehearsal, "tasks/get", { taskId: created.taskId }, TAKES_TASKS);
        }
        return { created, polled };
      },
      ({ created, polled }) => {
        if (created.resultType !== "task") return `first answer ${JSON.stringify(created)}`;
        const booking = (polled.result as { structuredContent?: { reservationId?: number } } | undefined)
          ?.structuredContent;
        return polled.status === "completed" && booking?.reservationId ? undefined : JSON.stringify(polled);
      },
    );
    await step(
      "a call's path: the booking's execution history from GetExecutionHistory; an express search's from its log group (FilterLogEvents, no data logged)",
      async () => {
        const read = async (id: string) =>
          (await (
            await fetch(`${rehearsal.endpoint}/status/${id}/history`, {
              headers: { "x-api-key": rehearsal.apiKey },
            })
          ).json()) as {
            events?: { type: string; details?: { name?: string; input?: string } }[];
            unavailable?: string;
          };
        const idOf = (result: Result) => String(result._meta?.[REQUEST_ID_META_KEY]);
        return { booking: await read(idOf(booked)), search: await read(idOf(search)) };
      },
      ({ booking, search }) => {
        const types = booking.events?.map((e) => e.type) ?? [];
        const booked = booking.events?.some(
          (e) => e.type === "TaskStateEntered" && e.details?.name === "Book tee time",
        );
        if (types[0] !== "ExecutionStarted" || types.at(-1) !== "ExecutionSucceeded" || !booked) {
          return `booking history ${JSON.stringify(booking).slice(0, 300)}`;
        }
        const searched = search.events?.some(
          (e) => e.type === "TaskStateEntered" && e.details?.name === "Search tee times",
        );
        // The express machine logs every event without its data: names, errors, no inputs or outputs.
        const withData = search.events?.some((e) => e.details && "input" in e.details);
        return searched && !withData ? undefined : `search history ${JSON.stringify(search).slice(0, 300)}`;
      },
    );
    await step(
      "the console through API Gateway: the key signs in (its one keyed route), then the page, the list and the booking's path with the session cookie alone",
      async () => {
        const base = rehearsal.endpoint.replace(/\/mcp$/, "/console");
        const signIn = await fetch(`${base}/api/session`, {
          method: "POST",
          headers: { "x-api-key": rehearsal.apiKey },
        });
        const setCookie = signIn.headers.get("set-cookie") ?? "";
        const cookie = setCookie.split(";")[0] ?? "";
        const get = async (path: string) => {
          const response = await fetch(`${base}${path}`, { headers: { cookie } });
          return { status: response.status, text: await response.text() };
        };
        const id = String(booked._meta?.[REQUEST_ID_META_KEY]);
        return {
          setCookie,
          keyless: (await fetch(`${base}/api/requests`)).status,
          page: await get("/"),
          list: await get("/api/requests"),
          detail: await get(`/api/requests/${id}`),
          id,
        };
      },
      ({ setCookie, keyless, page, list, detail, id }) => {
        if (!/Path=\/\w+\/console; .*HttpOnly; SameSite=Strict; Secure/.test(setCookie))
          return `cookie ${setCookie.replace(/=[^;]+/, "=…")}`;
        if (keyless !== 401) return `list without a session: ${keyless}`;
        if (page.status !== 200 || !page.text.includes("app.js")) return `page ${page.status}`;
        if (list.status !== 200 || !list.text.includes(id))
          return `list ${list.status} ${list.text.slice(0, 200)}`;
        const entered = (JSON.parse(detail.text).history?.events ?? []).map(
          (e: { type: string; details?: { name?: string } }) => e.details?.name,
        );
        return entered.includes("Book tee time") ? undefined : `detail ${detail.text.slice(0, 300)}`;
      },
    );
    await step(
      "resources: rez://courses from the front's own copy of the courses (COURSES_JSON)",
      () => modern(rehearsal, "resources/read", { uri: "rez://courses" }, {}),
      (read) => {
        const text = (read.contents as { text?: string }[] | undefined)?.[0]?.text ?? "";
        return text.includes('"bookingWindowDays"')
          ? undefined
          : `read ${JSON.stringify(read).slice(0, 200)}`;
      },
    );
    await step(
      "golf_book_when_open (scheduled: a date already open books at once)",
      async () => {
        const planned = await call("golf_book_when_open", { date, players: 1, preference: "latest" });
        return settled(String(planned._meta?.[REQUEST_ID_META_KEY]));
      },
      statusIs("completed"),
    );
    await step(
      "golf_cancel_reservation (standard)",
      () => call("golf_cancel_reservation", { reservationId: booked.structuredContent?.reservationId }),
      (r) => (r.isError ? r.content[0]?.text : undefined),
    );
    await step(
      "send_push_notification (standard)",
      () => call("send_push_notification", { title: "Rehearsal", message: "Hello from the rehearsal" }),
      (r) => (r.isError ? r.content[0]?.text : undefined),
    );

    // A call slower than the sync budget: answered with its handle, then fetched.
    rehearsal.simulators.nws.fail({ kind: "slow", delayMs: 3_500 }, 1);
    const slow = await step(
      "get_weather slower than the sync budget → handle",
      () => call("get_weather", { location: "47.62,-122.35", days: 1 }),
      (r) => (r.structuredContent?.status === "working" ? undefined : "expected a still-running handle"),
    );
    const slowId = String(slow._meta?.[REQUEST_ID_META_KEY]);
    await step(
      "… fetched with get_request_status",
      async () => {
        await sleep(4_000);
        return call("get_request_status", { requestId: slowId });
      },
      (r) =>
        r.structuredContent?.status === "completed"
          ? undefined
          : `status ${String(r.structuredContent?.status)}`,
    );

    // An honest cancel: the booking step is under way, so the record says it may still complete, then completes.
    rehearsal.simulators.golf.fail({ kind: "slow", delayMs: 3_000, path: ["ReserveTeeTimes"] });
    const key = `rehearsal-cancel-${crypto.randomUUID()}`;
    const pendingId = await idempotentRequestId(rehearsal.assembly.api.apiKeyId, key);
    // Its own ReserveTeeTimes, not an earlier call's: only then is the booking step under way.
    const reserves = () =>
      rehearsal.simulators.golf.requests.filter((r) => r.endsWith("ReserveTeeTimes")).length;
    const reservesBefore = reserves();
    const pending = postToolCall(
      rehearsal,
      "golf_book_tee_time",
      { teeSheetId: teeTimes[1]?.teeSheetId, players: 1 },
      { "idempotency-key": key },
    );
    await waitFor(() => reserves() > reservesBefore, 10_000);
    const cancelled = await step(
      "cancel during ReserveTeeTimes → 'may still complete'",
      async () => {
        const answer = await fetch(`${rehearsal.endpoint}/status/${pendingId}/cancel`, {
          method: "POST",
          headers: { "x-api-key": rehearsal.apiKey },
        });
        return { status: answer.status, view: (await answer.json()) as Record<string, unknown> };
      },
      (answer) =>
        answer.status === 202 ? undefined : `answered ${answer.status}: ${JSON.stringify(answer.view)}`,
    );
    void cancelled;
    await pending;
    await step(
      "… and the booking is recorded completed",
      async () => {
        let view: Record<string, unknown> = {};
        for (let attempt = 0; attempt < 3 && view.status !== "completed"; attempt++) {
          const answer = await fetch(`${rehearsal.endpoint}/status/${pendingId}?wait=10`, {
            headers: { "x-api-key": rehearsal.apiKey },
          });
          view = (await answer.json()) as Record<string, unknown>;
        }
        return view;
      },
      (view) =>
        view.status === "completed"
          ? undefined
          : `status ${String(view.status)}: ${String(view.statusMessage)}`,
    );
    await step(
      "… and its push notification sent",
      () =>
        waitFor(
          // The first booking, the confirmed one, the task's, the one booked when open, and this one (the default
          // golfer's; the other's booking went to its own topic).
          () =>
            rehearsal.simulators.ntfy.received.filter(
              (m) => m.title === "Tee time booked" && m.topic !== REHEARSAL_GOLFER.ntfyTopic,
            ).length === 5,
          10_000,
        ),
      (seen) => (seen ? undefined : "the last booking's push notification did not arrive"),
    );

    // The scheduled tools as they are meant to run: a race woken early for a release, a watch that books, and a
    // scheduled call cancelled during its wait.
    const golf = rehearsal.simulators.golf;
    const releaseDate = addDays(localParts("America/Los_Angeles", new Date()).date, 45);
    const cancelledDate = addDays(releaseDate, 1);
    const pushesBefore = rehearsal.simulators.ntfy.received.length;
    const releasesAt = golf.release(releaseDate, RACE_LEAD_MS + 4_000);
    const scheduled = await call("golf_book_when_open", { date: releaseDate, players: 2 });
    const doomed = await call("golf_book_when_open", { date: cancelledDate, players: 1 });
    await step(
      "golf_book_when_open cancelled during its wait",
      () => call("cancel_request", { requestId: String(doomed._meta?.[REQUEST_ID_META_KEY]) }),
      statusIs("cancelled"),
    );
    await step(
      "golf_book_when_open at a release (woken early, books at the site's instant)",
      () => settled(String(scheduled._meta?.[REQUEST_ID_META_KEY])),
      (r) => {
        const ours = golf.reservations.filter(
          (x) => x.startTime.startsWith(releaseDate) && x.by === "golfer",
        );
        if (r.structuredContent?.status !== "completed")
          return `status ${String(r.structuredContent?.status)}: ${r.content[0]?.text}`;
        if (ours.length !== 1) return `${ours.length} reservations on ${releaseDate}`;
        if ((ours[0]?.bookedAt ?? 0) < releasesAt) return "booked before the release";
        return /It was booked when .* opened\./.test(String(r.content[0]?.text)) ? undefined : "no race said";
      },
    );
    await step(
      "golf_watch_tee_times books a match and pushes",
      async () => {
        const watch = await call("golf_watch_tee_times", {
          date,
          startTime: "12:00",
          endTime: "12:30",
          until: new Date(Date.now() + 3_600_000).toISOString(),
        });
        return settled(String(watch._meta?.[REQUEST_ID_META_KEY]));
      },
      statusIs("completed"),
    );
    await step(
      "… pushes for the release's booking and the watch's, and nothing for the cancelled one",
      async () => {
        await waitFor(
          () =>
            rehearsal.simulators.ntfy.received
              .slice(pushesBefore)
              .filter((m) => m.title === "Tee time booked").length >= 2,
          10_000,
        );
        return {
          pushes: rehearsal.simulators.ntfy.received.slice(pushesBefore).map((m) => m.title),
          cancelledBooked: golf.reservations.filter((x) => x.startTime.startsWith(cancelledDate)).length,
        };
      },
      ({ pushes, cancelledBooked }) =>
        pushes.filter((title) => title === "Tee time booked").length === 2 && cancelledBooked === 0
          ? undefined
          : `pushes ${JSON.stringify(pushes)}, ${cancelledBooked} booked on the cancelled date`,
    );

    // Step Functions' own event for an execution that never ran, fed to the reconciler through the default bus.
    const orphan = crypto.randomUUID();
    {
      const requestTable = rehearsal.assembly.tables.find((table) => table.logicalId.startsWith("Requests"));
      const dynamo = new DynamoDBClient({
        endpoint: rehearsal.dynamoEndpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "x", secretAccessKey: "x" },
      });
      const now = new Date().toISOString();
      await dynamo.send(
        new PutItemCommand({
          TableName: requestTable?.name,
          Item: {
            id: { S: orphan },
            owner: { S: rehearsal.assembly.api.apiKeyId },
            tool: { S: "send_push_notification" },
            status: { S: "working" },
            statusMessage: { S: "The call is running." },
            arguments: { S: "{}" },
            argumentsDigest: { S: "x" },
            executionArn: {
              S: `${rehearsal.assembly.stateMachines[0]?.arn.replace(":stateMachine:", ":execution:")}:${orphan}`,
            },
            createdAt: { S: now },
            lastUpdatedAt: { S: now },
            expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
            workingSince: { S: now },
          },
        }),
      );
      dynamo.destroy();
      const standard = rehearsal.assembly.stateMachines.find((machine) => machine.type === "STANDARD");
      await step(
        "reconciler fed a Step Functions status-change event",
        async () => {
          await rehearsal.putDefaultEvent({
            source: "aws.states",
            detailType: "Step Functions Execution Status Change",
            detail: {
              executionArn: `${standard?.arn.replace(":stateMachine:", ":execution:")}:${orphan}`,
              stateMachineArn: standard?.arn ?? "",
              name: orphan,
              status: "FAILED",
            },
          });
          await rehearsal.settle();
          return call("get_request_status", { requestId: orphan });
        },
        (r) =>
          r.structuredContent?.status === "failed" &&
          /never started/.test(String(r.structuredContent?.statusMessage))
            ? undefined
            : `status ${String(r.structuredContent?.status)}: ${String(r.structuredContent?.statusMessage)}`,
      );
    }
    await step(
      "sweeper on its schedule",
      () => rehearsal.fireSchedules(),
      () => undefined,
    );
    await rehearsal.settle();
    await step(
      "nothing in the dead-letter queue",
      async () => rehearsal.deadLetters,
      (letters) => (letters.length ? JSON.stringify(letters) : undefined),
    );
  } finally {
    await client.close();
  }
  return steps;
}

/** A tools/call POSTed as a plain HTTP client would (headers of its own, such as Idempotency-Key); its result. */
export async function postToolCall(
  rehearsal: Pick<Rehearsal, "endpoint" | "apiKey">,
  name: string,
  args: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Result> {
  const response = await fetch(rehearsal.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      "x-api-key": rehearsal.apiKey,
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
  return ((await response.json()) as { result: Result }).result;
}

export function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

/** The table the rehearsal prints: each function's cold starts, invocations and errors. */
export function functionTable(rehearsal: Rehearsal): string {
  const rows = rehearsal.hosts.map((host) => {
    const init = host.stats.initMs;
    const median = init.length ? ([...init].sort((a, b) => a - b)[Math.floor(init.length / 2)] ?? 0) : 0;
    return [
      host.name,
      init.length ? `${median.toFixed(0)} (${init.length} cold)` : "-",
      String(host.stats.invocations),
      String(host.stats.errors),
    ];
  });
  const header = ["function", "init ms", "invocations", "errors"];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A 2026-07-28 request by plain fetch, from a client with these capabilities: its result, or its error. */
async function modern(
  rehearsal: Rehearsal,
  method: string,
  params: Record<string, unknown>,
  clientCapabilities: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const version = "2026-07-28";
  const message: { method: string; params: JsonObject } = {
    method,
    params: {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": clientCapabilities as JsonObject,
      },
    },
  };
  const response = await fetch(rehearsal.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "x-api-key": rehearsal.apiKey,
      ...mirroredHeaders(message, version),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...message }),
  });
  const body = (await response.json()) as { result?: Record<string, unknown>; error?: unknown };
  return body.result ?? { error: body.error, status: response.status };
}
