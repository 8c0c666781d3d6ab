import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { callTool, type Harness, OTHER_KEY, startHarness } from "./harness.ts";

/** list_requests, filtered, a page at a time: every matching call once, however the matches fall on the pages. */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

async function call(name: string, args: Record<string, unknown>, headers: Record<string, string> = {}) {
  const body = await (await callTool(harness.runtime, name, args, headers)).json();
  return body.result as {
    structuredContent?: { requests?: { requestId: string }[]; nextCursor?: string };
    _meta?: Record<string, unknown>;
  };
}

describe("list_requests with a filter", () => {
  it("gives every matching call exactly once across its pages, even when a page holds more matches than fit", async () => {
    // Prepare: another key's calls, so the owner's pages are read as the owner's (weather and pushes in runs, so
    // a page of the store holds more matches than the answer has room for)
    const pattern = [
      "push",
      "weather",
      "weather",
      "weather",
      "push",
      "push",
      "weather",
      "weather",
      "weather",
    ];
    const owner = { "x-api-key": OTHER_KEY };
    const weather: string[] = [];
    for (const [i, kind] of pattern.entries()) {
      const result =
        kind === "weather"
          ? await call("get_weather", { location: "Sample Links", days: 1 + (i % 3) }, owner)
          : await call("send_push_notification", { title: `Page ${i}`, message: "paging" }, owner);
      if (kind === "weather") weather.push(String(result._meta?.[REQUEST_ID_META_KEY]));
    }
    // Act: follow the cursor, four at a time
    const listed: string[] = [];
    let cursor: string | undefined;
    for (let answers = 0; answers < 10; answers++) {
      const page = await call(
        "list_requests",
        { tool: "get_weather", limit: 4, ...(cursor ? { cursor } : {}) },
        owner,
      );
      listed.push(...(page.structuredContent?.requests ?? []).map((r) => r.requestId));
      cursor = page.structuredContent?.nextCursor;
      if (!cursor) break;
    }
    // Assess: all six, once each, newest first
    expect(listed).toEqual([...weather].reverse());
  });

  it("refuses another owner's cursor as the caller's mistake (-32602), listing nothing of theirs", async () => {
    // Prepare: a cursor issued to bob
    const owner = { "x-api-key": OTHER_KEY };
    await call("send_push_notification", { title: "Cursor 1", message: "paging" }, owner);
    await call("send_push_notification", { title: "Cursor 2", message: "paging" }, owner);
    const page = await call("list_requests", { limit: 1 }, owner);
    const cursor = page.structuredContent?.nextCursor;
    expect(cursor).toBeTruthy();
    // Act: alice passes it on
    const body = await (await callTool(harness.runtime, "list_requests", { limit: 1, cursor })).json();
    // Assess
    expect(body.error?.code).toBe(-32602);
    expect(body.error?.message).toMatch(/cursor is not valid/);
    expect(body.result).toBeUndefined();
  });
});
