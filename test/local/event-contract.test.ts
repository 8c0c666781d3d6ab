import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA_DIR } from "../../bin/schemas.ts";
import { toolCallEventSchemas } from "../../functions/core/event-schema.ts";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import { callTool, type Harness, readEvents, startHarness } from "./harness.ts";

/**
 * The completion events are a documented contract (docs/events/*.schema.json, registered in EventBridge's schema
 * registry on AWS): the files are the generator's, and every event a run publishes, completed, failed or cancelled,
 * validates against its detail type's schema.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
/** Draft-04 as EventBridge takes it; ajv reads these keywords alike, so only the dialect's URI is set aside. */
function validators() {
  const ajv = addFormats(new Ajv({ strict: true, allErrors: true }));
  return Object.fromEntries(
    Object.entries(toolCallEventSchemas()).map(([name, schema]) => {
      const { $schema: _dialect, ...rest } = schema as { $schema: string };
      return [name, ajv.compile(rest)];
    }),
  );
}

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

describe("the completion events' contract", () => {
  it("is in docs/events exactly as the generator writes it (npm run schemas)", () => {
    for (const [name, schema] of Object.entries(toolCallEventSchemas())) {
      const file = readFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), "utf8");
      expect(file).toBe(`${JSON.stringify(schema, null, 2)}\n`);
    }
  });

  it("holds for every event published: completed, failed and cancelled calls", async () => {
    const { runtime } = harness;
    await callTool(runtime, "get_weather", { location: "Sample Links" });
    await callTool(runtime, "golf_book_tee_time", { teeSheetId: 999_999_999, players: 1 });
    const date = addDays(localParts("America/Los_Angeles", new Date()).date, 25);
    const scheduled = await (await callTool(runtime, "golf_book_when_open", { date, players: 1 })).json();
    const requestId = scheduled.result._meta["rez-agent-mcp/requestId"];
    await callTool(runtime, "cancel_request", { requestId });
    const events = await readEvents(runtime);
    const validate = validators();
    const seen = new Set<string>();
    for (const event of events) {
      const check = validate[String(event["detail-type"]).replaceAll(" ", "")];
      expect(check, `no schema for ${event["detail-type"]}`).toBeDefined();
      expect(check?.(event), JSON.stringify(check?.errors)).toBe(true);
      seen.add(String(event.detail.status));
    }
    expect([...seen].sort()).toEqual(["cancelled", "completed", "failed"]);
  });

  it("refuses an event that drifts from it (a missing summary, an unknown field)", async () => {
    const [event] = await readEvents(harness.runtime);
    const check = validators()[String(event?.["detail-type"]).replaceAll(" ", "")];
    const { summary: _summary, ...withoutSummary } = event?.detail ?? {};
    expect(check?.({ ...event, detail: withoutSummary })).toBe(false);
    expect(check?.({ ...event, detail: { ...event?.detail, surprise: 1 } })).toBe(false);
  });
});
