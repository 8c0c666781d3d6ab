import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { ASSETS_MODULE, assetsModule } from "../../bin/console-assets.ts";

it("serves the console's static files as they are: the generated module matches them (npm run console)", () => {
  expect(readFileSync(ASSETS_MODULE, "utf8")).toBe(assetsModule());
});
