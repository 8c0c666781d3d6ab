import { describe, expect, it } from "vitest";
import { REQUEST_ID_PATTERN } from "../../functions/core/call-lifecycle.ts";
import { canonicalJson, idempotentRequestId } from "../../functions/core/digest.ts";
import { checkEnvelope } from "../../functions/core/jsonrpc.ts";

describe("checkEnvelope", () => {
  it.each<[string, unknown]>([
    ["a request", { jsonrpc: "2.0", id: 1, method: "tools/list" }],
    ["a request with a string id and params", { jsonrpc: "2.0", id: "a", method: "x", params: {} }],
    ["a notification", { jsonrpc: "2.0", method: "notifications/initialized" }],
    ["a response", { jsonrpc: "2.0", id: 3, result: {} }],
  ])("accepts %s", (_, message) => {
    expect(checkEnvelope(message)).toEqual({ ok: true });
  });

  it.each<[string, unknown]>([
    ["a batch", [{ jsonrpc: "2.0", id: 1, method: "ping" }]],
    ["a string", "ping"],
    ["null", null],
    ["a missing jsonrpc", { id: 1, method: "ping" }],
    ["jsonrpc 1.0", { jsonrpc: "1.0", id: 1, method: "ping" }],
    ["an object id", { jsonrpc: "2.0", id: {}, method: "ping" }],
    ["a fractional id", { jsonrpc: "2.0", id: 1.5, method: "ping" }],
    ["a numeric method", { jsonrpc: "2.0", id: 1, method: 7 }],
    ["an empty method", { jsonrpc: "2.0", id: 1, method: "" }],
    ["array params", { jsonrpc: "2.0", id: 1, method: "ping", params: [1] }],
    ["neither method nor result", { jsonrpc: "2.0", id: 1 }],
    ["both result and error", { jsonrpc: "2.0", id: 1, result: {}, error: {} }],
  ])("rejects %s", (_, message) => {
    expect(checkEnvelope(message).ok).toBe(false);
  });
});

describe("idempotentRequestId", () => {
  it("gives the same UUID for the same owner and key", async () => {
    const first = await idempotentRequestId("owner-a", "key-1");
    expect(await idempotentRequestId("owner-a", "key-1")).toBe(first);
    expect(first).toMatch(REQUEST_ID_PATTERN);
  });

  it("gives different ids to different owners with the same key", async () => {
    expect(await idempotentRequestId("owner-a", "key-1")).not.toBe(
      await idempotentRequestId("owner-b", "key-1"),
    );
  });
});

describe("canonicalJson", () => {
  it("ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, 2] }, b: 1 }),
    );
  });
});
