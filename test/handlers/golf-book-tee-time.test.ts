import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_TABLE } from "../../functions/adapters/tables.ts";
import type { JsonObject } from "../../functions/core/json.ts";
import { systemClock } from "../../functions/core/ports.ts";
import { DocumentSecrets } from "../../functions/core/secrets.ts";
import type { ToolInvocation } from "../../functions/core/tool-invocation.ts";
import { build } from "../../functions/handlers/golf-book-tee-time.ts";
import { depsOf } from "../../functions/handlers/tool-function.ts";
import { parseCourses } from "../../functions/tools/courses.ts";
import { CpsGolfSessions } from "../../functions/tools/cps-golf.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { UpstreamClient } from "../../functions/tools/upstream.ts";
import { ensureTables, type LocalDynamo, startLocalDynamo } from "../../local/dynamo.ts";
import { DEMO_GOLFER, type GolfSimulator, startGolfSimulator } from "../../local/simulators/cps-golf.ts";

/** Exactly-once booking at the function: Powertools idempotency over DynamoDB (dynalite, through the real SDK). */

const ZONE = "America/Los_Angeles";
const TABLE = "idempotency-test";
let dir: string;
let dynamo: LocalDynamo;
let site: GolfSimulator;
let book: ReturnType<typeof build>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-idempotency-"));
  dynamo = await startLocalDynamo(join(dir, "db"));
  await ensureTables(dynamo.client, [{ definition: IDEMPOTENCY_TABLE, name: TABLE }]);
  site = await startGolfSimulator({ courseName: "Sample Links", timeZone: ZONE });
  const courses = parseCourses([
    {
      id: "links",
      name: "Sample Links",
      timeZone: ZONE,
      latitude: 47.6,
      longitude: -122.3,
      origin: site.url,
      courseIds: "1",
    },
  ]);
  book = build(
    depsOf({
      runtime: { clock: systemClock, logger: { error: () => {}, warn: () => {}, info: () => {} } },
      idempotency: {
        client: dynamo.client,
        tableName: TABLE,
        expiresAfterSeconds: 3600,
        inProgressMs: 30_000,
      },
      golf: {
        courses,
        secrets: new DocumentSecrets({
          golf: { default: { username: DEMO_GOLFER.username, password: DEMO_GOLFER.password } },
        }),
        http: new UpstreamClient({ fetch, userAgent: "test", timeoutMs: 2_000, cacheTtlMs: 0 }),
        sessions: new CpsGolfSessions(),
        clock: systemClock,
        newId: randomUUID,
      },
    }),
  );
});
afterAll(async () => {
  await site.close();
  await dynamo.close();
  await rm(dir, { recursive: true, force: true });
});

const teeSheet = (time: string) => site.teeSheetId(addDays(localParts(ZONE, new Date()).date, 2), time);

function invocation(args: JsonObject, requestId = randomUUID()): ToolInvocation {
  return {
    requestId,
    tool: "golf_book_tee_time",
    arguments: args,
    owner: "alice",
    golfer: "default",
    startedAt: Date.now(),
  };
}

describe("the golf_book_tee_time function", () => {
  it("replays the first outcome to a second invocation for the same request, booking once", async () => {
    const event = invocation({ teeSheetId: teeSheet("08:00"), players: 2 });
    const first = await book(event);
    const second = await book(event);
    expect(second).toEqual(first);
    expect(site.reservations.filter((r) => r.teeSheetId === teeSheet("08:00"))).toHaveLength(1);
  });

  it("lets only one of two simultaneous invocations for a request run", async () => {
    const event = invocation({ teeSheetId: teeSheet("09:00"), players: 1 });
    const outcomes = await Promise.allSettled([book(event), book(event)]);
    const errors = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(errors.map((e) => e.reason.name)).toEqual(["IdempotencyAlreadyInProgressError"]);
    expect(site.reservations.filter((r) => r.teeSheetId === teeSheet("09:00"))).toHaveLength(1);
  });

  it("refuses the same request id with other arguments", async () => {
    const requestId = randomUUID();
    await book(invocation({ teeSheetId: teeSheet("10:00"), players: 1 }, requestId));
    await expect(
      book(invocation({ teeSheetId: teeSheet("10:10"), players: 1 }, requestId)),
    ).rejects.toMatchObject({
      name: "IdempotencyValidationError",
    });
    expect(site.reservations.filter((r) => r.teeSheetId === teeSheet("10:10"))).toHaveLength(0);
  });

  it("runs again after a failure that booked nothing (the failure is not stored)", async () => {
    const event = invocation({ teeSheetId: teeSheet("11:00"), players: 1 });
    site.fail({ kind: "status", status: 429, path: "LockTeeTimes" }, 1);
    await expect(book(event)).rejects.toMatchObject({ name: "UpstreamUnavailable" });
    const retried = await book(event);
    expect(JSON.parse(retried.resultJson).structuredContent.teeSheetId).toBe(teeSheet("11:00"));
  });
});
