import { describe, expect, it } from "vitest";
import { FRONT_TOOLS } from "../../functions/core/front-tools.ts";
import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";

describe("the tools the front answers itself", () => {
  it("are exactly the tools whose definition runs on the front", () => {
    const front = TOOL_DEFINITIONS.filter((t) => t.runs === "front").map((t) => t.name);
    expect(Object.keys(FRONT_TOOLS).sort()).toEqual(front.sort());
  });
});
