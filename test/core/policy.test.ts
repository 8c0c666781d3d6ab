import { describe, expect, it } from "vitest";
import { isRetriedFailure, TOOL_ERROR_NAMES, UpstreamUnavailable } from "../../functions/core/errors.ts";
import { TOOL_FAILURE_NAMES, TOOL_FAILURES } from "../../functions/core/policy.ts";

describe("the failure policy", () => {
  it.each(TOOL_FAILURE_NAMES)("retries %s only if it means nothing was changed", (name) => {
    const policy: { retry?: unknown; effect: string } = TOOL_FAILURES[name];
    if (policy.retry) expect(policy.effect).toBe("none");
  });

  it("retries only UpstreamUnavailable: everything after a request may have reached a site is final", () => {
    expect(TOOL_FAILURE_NAMES.filter((name) => "retry" in TOOL_FAILURES[name])).toEqual([
      "UpstreamUnavailable",
    ]);
  });

  it("names every typed tool error, and ToolCrashed for the rest", () => {
    expect([...TOOL_ERROR_NAMES, "ToolCrashed"].sort()).toEqual([...TOOL_FAILURE_NAMES].sort());
  });

  it("is what the tools read to decide whether a failure may still be retried", () => {
    expect(isRetriedFailure(new UpstreamUnavailable("down"))).toBe(true);
    expect(isRetriedFailure(new Error("down"))).toBe(false);
  });
});
