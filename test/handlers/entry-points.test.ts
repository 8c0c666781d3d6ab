import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { IDEMPOTENCY_TABLE } from "../../functions/adapters/tables.ts";
import type { JsonObject } from "../../functions/core/json.ts";
import type { ToolInvocation, ToolOutcome } from "../../functions/core/tool-invocation.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { ensureTables, type LocalDynamo, startLocalDynamo } from "../../local/dynamo.ts";
import { DEMO_GOLFER, type GolfSimulator, startGolfSimulator } from "../../local/simulators/cps-golf.ts";
import { type NtfySimulator, startNtfySimulator } from "../../local/simulators/ntfy.ts";

/**
 * The Lambda entry points, configured only by their environment as the stack will configure them, talking to
 * loopback simulators (and to dynalite through the SDK's endpoint setting).
 */

const HANDLERS = new URL("../../functions/handlers/", import.meta.url);
const ZONE = "America/Los_Angeles";
let dir: string;
let dynamo: LocalDynamo;
let ntfy: NtfySimulator;
let site: GolfSimulator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rez-entry-"));
  dynamo = await startLocalDynamo(join(dir, "db"));
  await ensureTables(dynamo.client, [{ definition: IDEMPOTENCY_TABLE, name: "entry-idempotency" }]);
  ntfy = await startNtfySimulator({ token: "tk_entry" });
  site = await startGolfSimulator({ courseName: "Sample Links", timeZone: ZONE });
  const endpoint = await dynamo.client.config.endpoint?.();
  vi.stubEnv("AWS_ENDPOINT_URL_DYNAMODB", `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`);
  vi.stubEnv("AWS_REGION", "us-east-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
  vi.stubEnv("IDEMPOTENCY_TABLE_NAME", "entry-idempotency");
  vi.stubEnv("NTFY_BASE_URL", ntfy.url);
  vi.stubEnv("NTFY_TOPIC", "entry-topic");
  vi.stubEnv("NTFY_TOKEN", "tk_entry");
  vi.stubEnv("CPS_GOLF_USERNAME", DEMO_GOLFER.username);
  vi.stubEnv("CPS_GOLF_PASSWORD", DEMO_GOLFER.password);
  vi.stubEnv(
    "COURSES_JSON",
    JSON.stringify([
      {
        id: "links",
        name: "Sample Links",
        timeZone: ZONE,
        latitude: 47.6,
        longitude: -122.3,
        origin: site.url,
        courseIds: "1",
      },
    ]),
  );
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await site.close();
  await ntfy.close();
  await dynamo.close();
  await rm(dir, { recursive: true, force: true });
});

type Entry = { handler: (event: ToolInvocation) => Promise<ToolOutcome> };
const entry = async (name: string) => (await import(new URL(`${name}.ts`, HANDLERS).href)) as Entry;

const invocation = (tool: string, args: JsonObject): ToolInvocation => ({
  requestId: randomUUID(),
  tool,
  arguments: args,
  owner: "alice",
  golfer: "default",
  startedAt: Date.now(),
});

describe("the Lambda entry points", () => {
  it("send_push_notification publishes with the token from its environment", async () => {
    const { handler } = await entry("send-push-notification");
    const outcome = await handler(
      invocation("send_push_notification", { title: "From Lambda", message: "m" }),
    );
    expect(JSON.parse(outcome.resultJson).structuredContent.topic).toBe("en…ic");
    expect(ntfy.received.at(-1)).toMatchObject({
      title: "From Lambda",
      topic: "entry-topic",
      authorized: true,
    });
  });

  it("golf_search_tee_times and golf_book_tee_time work from COURSES_JSON and the credentials", async () => {
    const date = addDays(localParts(ZONE, new Date()).date, 2);
    const search = await (await entry("golf-search-tee-times")).handler(
      invocation("golf_search_tee_times", { date, startTime: "07:00", endTime: "07:00" }),
    );
    const teeSheetId = JSON.parse(search.resultJson).structuredContent.teeTimes[0].teeSheetId;
    const { handler: book } = await entry("golf-book-tee-time");
    const event = invocation("golf_book_tee_time", { teeSheetId, players: 2 });
    const first = await book(event);
    expect(await book(event)).toEqual(first);
    expect(site.reservations).toHaveLength(1);
  });
});
