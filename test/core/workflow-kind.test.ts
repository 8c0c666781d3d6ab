import { describe, expect, it } from "vitest";
import { workflowKindOf } from "../../functions/core/tool.ts";
import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";

/**
 * Which machine runs a tool: Express executions are at-least-once, so only a read may run there; anything that
 * changes the world (a cancel is idempotent but not read-only) runs on the exactly-once Standard machine.
 */
describe("the machine each tool runs on", () => {
  it("is Express only for read-only tools, whatever their other hints", () => {
    const kinds = Object.fromEntries(TOOL_DEFINITIONS.map((d) => [d.name, workflowKindOf(d)]));
    expect(kinds).toMatchObject({
      get_weather: "express",
      golf_search_tee_times: "express",
      golf_get_reservations: "express",
      golf_book_tee_time: "standard",
      golf_cancel_reservation: "standard",
      send_push_notification: "standard",
      golf_book_when_open: "scheduled",
      golf_watch_tee_times: "scheduled",
    });
    for (const definition of TOOL_DEFINITIONS) {
      if (workflowKindOf(definition) === "express") expect(definition.annotations.readOnlyHint).toBe(true);
    }
  });

  it("is Standard for an idempotent tool that is not read-only", () => {
    const cancel = TOOL_DEFINITIONS.find((d) => d.name === "golf_cancel_reservation");
    expect(cancel?.annotations).toMatchObject({ idempotentHint: true, readOnlyHint: false });
    expect(
      workflowKindOf({
        annotations: {
          readOnlyHint: false,
          idempotentHint: true,
          destructiveHint: true,
          openWorldHint: true,
        },
      }),
    ).toBe("standard");
  });
});
