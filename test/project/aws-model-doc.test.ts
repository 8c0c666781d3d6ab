import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { AWS_FIGURES } from "../../local/rehearsal/aws-model.ts";

/** The AWS latency model's figures are stated once, in aws-model.ts; the performance doc lists each with its source. */
describe("docs/performance.md's AWS latency model", () => {
  it("lists every figure the model draws from, with its range and its source", async () => {
    const doc = await readFile(new URL("../../docs/performance.md", import.meta.url), "utf8");
    const rows = doc
      .split("\n")
      .filter((line) => line.startsWith("|"))
      .map((line) =>
        line
          .split("|")
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    for (const [name, { low, high, source }] of Object.entries(AWS_FIGURES)) {
      const range = low === high ? `${low}` : `${low}-${high}`;
      expect(
        rows.find((cells) => cells[0] === `\`${name}\``),
        name,
      ).toEqual([`\`${name}\``, range, source]);
    }
  });
});
