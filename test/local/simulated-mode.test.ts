import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { NtfySimulator } from "../../local/simulators/ntfy.ts";
import { callTool, type Harness, startHarness } from "./harness.ts";

/** `npm start -- --upstreams simulated` shows itself: where the simulated push went, and what the geocoder knows. */

let harness: Harness;
const logged: string[] = [];
beforeAll(async () => {
  harness = await startHarness({ log: (line) => logged.push(line) });
});
afterAll(() => harness.close());

const poll = async (query: string) => {
  const ntfy = harness.runtime.simulators.ntfy as NtfySimulator;
  const response = await fetch(`${ntfy.url}/rez-agent-mcp-demo/json?${query}`);
  expect(response.headers.get("content-type")).toMatch(/application\/x-ndjson/);
  return (await response.text())
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; title?: string; tags?: string[]; message: string });
};

describe("simulated mode", () => {
  it("prints each push the simulated ntfy receives, and answers ntfy's poll API for the topic", async () => {
    const send = (title: string) =>
      callTool(harness.runtime, "send_push_notification", {
        title,
        message: "Tee time at 07:40 for 4 at Sample Links",
        tags: ["golf", "white_check_mark"],
      });
    expect((await send("Booked")).status).toBe(200);
    await vi.waitFor(() => expect(logged.join("\n")).toContain('"Booked" [golf, white_check_mark]'), {
      timeout: 5_000,
    });
    const line = logged.find((l) => l.includes('"Booked"'));
    expect(line).toBe('push (simulated ntfy, topic rez-agent-mcp-demo): "Booked" [golf, white_check_mark]');
    expect(line).not.toContain("07:40");

    const [first] = await poll("poll=1");
    expect(first).toMatchObject({ title: "Booked", tags: ["golf", "white_check_mark"], event: "message" });
    await send("Second");
    await vi.waitFor(async () => expect((await poll("poll=1")).length).toBe(2), { timeout: 5_000 });
    expect((await poll(`poll=1&since=${first?.id}`)).map((m) => m.title)).toEqual(["Second"]);
    expect(await poll("poll=1&since=all")).toHaveLength(2);
  });

  it("says a place is unknown to the simulated geocoder, naming the places it knows", async () => {
    const response = await callTool(harness.runtime, "get_weather", { location: "Atlantis" });
    const { result } = (await response.json()) as {
      result: { isError: boolean; content: { text: string }[] };
    };
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(
      /No place named "Atlantis" was found\. This is the simulated geocoder .* it knows only Seattle, /,
    );
  });
});
