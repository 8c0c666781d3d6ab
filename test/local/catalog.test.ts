import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, localParts } from "../../functions/tools/local-time.ts";
import type { GolfSimulator } from "../../local/simulators/cps-golf-types.ts";
import { connectClient, type Harness, OTHER_KEY, startHarness } from "./harness.ts";
import { modernClient } from "./modern-client.ts";

/**
 * Resources, prompts and completions, the same in both eras: a 2025-11-25 SDK client and a plain-fetch 2026-07-28
 * client read the same courses, reservations and records, get the same prompts and completions.
 */

let harness: Harness;
let sdk: Client;
beforeAll(async () => {
  harness = await startHarness();
  sdk = await connectClient(harness.runtime);
});
afterAll(async () => {
  await sdk.close();
  await harness.close();
});

const modern = modernClient(() => harness.runtime.mcpUrl);
const inDays = (days: number) => addDays(localParts("America/Los_Angeles", new Date()).date, days);
const site = () => harness.runtime.simulators.golf["sample-links"] as GolfSimulator;
// biome-ignore lint/suspicious/noExplicitAny: a resource's contents, text or blob
const textOf = (contents: any[]) => JSON.parse(String(contents[0]?.text));

describe("resources", () => {
  it("are declared and listed in both eras, with caching hints in the stateless one", async () => {
    expect(sdk.getServerCapabilities()).toMatchObject({ resources: {}, prompts: {}, completions: {} });
    const legacy = await sdk.listResources();
    const discovered = await modern("server/discover");
    expect(discovered.body.result.capabilities).toMatchObject({
      resources: {},
      prompts: {},
      completions: {},
    });
    const listed = await modern("resources/list");
    expect(listed.body.result).toMatchObject({ resultType: "complete", cacheScope: "public" });
    expect(listed.body.result.resources).toEqual(legacy.resources);
    expect(legacy.resources.map((r) => r.uri)).toEqual(["rez://courses", "rez://reservations"]);
    expect(legacy.resources[0]?.icons?.[0]?.mimeType).toBe("image/svg+xml");
    const templates = await modern("resources/templates/list");
    expect(
      templates.body.result.resourceTemplates.map((t: { uriTemplate: string }) => t.uriTemplate),
    ).toEqual(["rez://requests/{requestId}"]);
  });

  it("give the courses with their booking rules", async () => {
    const legacy = textOf((await sdk.readResource({ uri: "rez://courses" })).contents);
    const stateless = await modern("resources/read", { uri: "rez://courses" });
    expect(stateless.body.result).toMatchObject({
      resultType: "complete",
      ttlMs: 3_600_000,
      cacheScope: "public",
    });
    expect(textOf(stateless.body.result.contents)).toEqual(legacy);
    const sample = legacy.courses.find((c: { id: string }) => c.id === "sample-links");
    expect(sample).toMatchObject({
      name: "Sample Links",
      takesBookings: true,
      bookingRules: { bookingWindowDays: 14, summary: expect.stringMatching(/opens 14 days ahead/) },
    });
    expect(legacy.courses.find((c: { id: string }) => c.id === "highland-dunes").takesBookings).toBe(false);
  });

  it("give my upcoming reservations, read from the site now (a call of mine, as golf_get_reservations)", async () => {
    const teeSheetId = site().teeSheetId(inDays(4), "11:00");
    const booked = await sdk.callTool({ name: "golf_book_tee_time", arguments: { teeSheetId, players: 1 } });
    const key = (booked.structuredContent as { confirmationKey: string }).confirmationKey;
    const mine = await modern("resources/read", { uri: "rez://reservations" });
    expect(mine.body.result).toMatchObject({ ttlMs: 0, cacheScope: "private" });
    expect(mine.body.result.contents[0].text).toContain(key);
    const legacy = await sdk.readResource({ uri: "rez://reservations" });
    expect(JSON.stringify(legacy.contents)).toContain(key);
    const { body } = await modern("tools/call", {
      name: "list_requests",
      arguments: { tool: "golf_get_reservations" },
    });
    expect(body.result.structuredContent.requests.length).toBeGreaterThanOrEqual(2);
  });

  it("give a call's record by its request id, and refuse an unknown or another key's id with -32602 and the uri", async () => {
    const weather = await sdk.callTool({ name: "get_weather", arguments: { location: "Sample Links" } });
    const id = (weather._meta as Record<string, string>)["rez-agent-mcp/requestId"] as string;
    const uri = `rez://requests/${id}`;
    const record = textOf((await sdk.readResource({ uri })).contents);
    expect(record).toMatchObject({ id, tool: "get_weather", status: "completed" });
    for (const [foreign, headers] of [
      ["rez://requests/no-such-call", {}],
      [uri, { "x-api-key": OTHER_KEY }],
      ["rez://nothing-here", {}],
    ] as const) {
      const { body } = await modern("resources/read", { uri: foreign }, headers);
      expect(body.error).toMatchObject({ code: -32602, data: { uri: foreign } });
    }
    await expect(sdk.readResource({ uri: "rez://requests/no-such-call" })).rejects.toThrow(
      /Resource not found/,
    );
  });
});

describe("prompts", () => {
  it("are listed alike in both eras and fill in their arguments", async () => {
    const legacy = await sdk.listPrompts();
    expect(legacy.prompts.map((p) => p.name)).toEqual(["plan_a_round", "book_when_it_opens"]);
    expect((await modern("prompts/list")).body.result.prompts).toEqual(legacy.prompts);
    const args = { date: "2027-01-09", course: "Sample Links", players: "3" };
    const got = await sdk.getPrompt({ name: "plan_a_round", arguments: args });
    const text = JSON.stringify(got.messages[0]?.content);
    expect(text).toContain("on 2027-01-09 at Sample Links for 3 players");
    expect(text).toMatch(/get_weather.*golf_search_tee_times/);
    const stateless = await modern("prompts/get", { name: "plan_a_round", arguments: args });
    expect(stateless.body.result.messages).toEqual(got.messages);
    expect(stateless.body.result.resultType).toBe("complete");
  });

  it("refuse a missing required argument and an unknown prompt with -32602", async () => {
    expect((await modern("prompts/get", { name: "book_when_it_opens", arguments: {} })).body.error.code).toBe(
      -32602,
    );
    expect((await modern("prompts/get", { name: "no_such_prompt" })).body.error.code).toBe(-32602);
  });
});

describe("completions", () => {
  it("complete course names as they are typed, in both eras", async () => {
    const legacy = await sdk.complete({
      ref: { type: "ref/prompt", name: "plan_a_round" },
      argument: { name: "course", value: "high" },
    });
    expect(legacy.completion).toEqual({ values: ["Highland Dunes"], total: 1, hasMore: false });
    const stateless = await modern("completion/complete", {
      ref: { type: "ref/prompt", name: "book_when_it_opens" },
      argument: { name: "course", value: "S" },
    });
    expect(stateless.body.result.completion.values).toEqual(["Sample Links"]);
  });

  it("complete my own recent request ids, never another key's", async () => {
    const weather = await sdk.callTool({ name: "get_weather", arguments: { location: "Sample Links" } });
    const id = (weather._meta as Record<string, string>)["rez-agent-mcp/requestId"] as string;
    const ask = (headers = {}) =>
      modern(
        "completion/complete",
        {
          ref: { type: "ref/resource", uri: "rez://requests/{requestId}" },
          argument: { name: "requestId", value: id.slice(0, 6) },
        },
        headers,
      );
    expect((await ask()).body.result.completion.values).toContain(id);
    expect((await ask({ "x-api-key": OTHER_KEY })).body.result.completion.values).not.toContain(id);
  });
});
