import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { entryModule, type FunctionBuilder, toolFunction } from "../../functions/handlers/tool-function.ts";
import { getWeather } from "../../functions/tools/get-weather.ts";
import { golfSearchTeeTimes } from "../../functions/tools/golf-search-tee-times.ts";
import { TOOL_FUNCTIONS } from "../../functions/tools/manifest.ts";

describe("the tool functions", () => {
  it.each(TOOL_FUNCTIONS.map((f) => [f.tool, f.entry]))(
    "%s has its entry module, exporting the build the local runtime uses and the Lambda handler",
    async (_tool, entry) => {
      expect(existsSync(entryModule(entry))).toBe(true);
      const module = (await import(entryModule(entry).href)) as { build: FunctionBuilder; handler: unknown };
      expect(typeof module.build).toBe("function");
      expect(typeof module.handler).toBe("function");
    },
  );

  it("builds a tool only over what its manifest entry says it uses", () => {
    expect(() => toolFunction(golfSearchTeeTimes as never, "weather")).toThrow(/does not use weather/);
    expect(() => toolFunction(getWeather, "weather")).not.toThrow();
  });
});
