import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../functions/core/json.ts";
import { ArgumentValidator } from "../../functions/core/validation.ts";
import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";

const validator = new ArgumentValidator(TOOL_DEFINITIONS);

describe("ArgumentValidator", () => {
  it.each<[string, string, JsonObject]>([
    ["a location only", "get_weather", { location: "Seattle" }],
    ["every argument", "get_weather", { location: "47.6,-122.3", days: 7, units: "si" }],
    ["a request id", "get_request_status", { requestId: "3e6e2d0a-8f24-4b02-b8a4-43ec87a97ef3" }],
  ])("accepts %s", (_, tool, args) => {
    expect(validator.check(tool, args)).toEqual({ ok: true });
  });

  it.each<[string, string, JsonObject, string]>([
    ["a missing location", "get_weather", {}, 'missing required property "location"'],
    ["an extra property", "get_weather", { location: "x", url: "http://evil" }, 'unexpected property "url"'],
    ["days above 7", "get_weather", { location: "x", days: 8 }, '"days" must be <= 7'],
    ["days of 0", "get_weather", { location: "x", days: 0 }, '"days" must be >= 1'],
    ["days as a string", "get_weather", { location: "x", days: "2" }, '"days" must be integer'],
    ["fractional days", "get_weather", { location: "x", days: 1.5 }, '"days" must be integer'],
    ["unknown units", "get_weather", { location: "x", units: "metric" }, '"units" must be one of "us", "si"'],
    [
      "an empty location",
      "get_weather",
      { location: "" },
      '"location" must NOT have fewer than 1 characters',
    ],
    [
      "a location too long",
      "get_weather",
      { location: "x".repeat(201) },
      '"location" must NOT have more than 200',
    ],
    [
      "a malformed request id",
      "get_request_status",
      { requestId: "../etc" },
      '"requestId" must be a request id (a lowercase UUID)',
    ],
  ])("rejects %s, naming the field", (_, tool, args, message) => {
    const check = validator.check(tool, args);
    expect(check.ok).toBe(false);
    expect(check.ok === false && check.message).toContain(message);
    expect(check.ok === false && check.message).toContain(`tool ${tool}`);
  });

  it("rejects a tool it does not know", () => {
    expect(validator.check("rm_rf", {})).toEqual({ ok: false, message: "Unknown tool: rm_rf" });
  });
});
