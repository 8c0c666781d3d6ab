import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import semver from "semver";
import { describe, expect, it } from "vitest";

/**
 * The Node requirement, stated once and true everywhere: npm needs Node 20 or newer on the machine, and everything
 * the project runs, runs on its own pinned Node 22. npm's own engine check looks at the Node that runs npm, so
 * .npmrc keeps it quiet and this test does the check against the Node that runs the packages.
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const readJson = async (path: string) => JSON.parse(await readFile(`${ROOT}${path}`, "utf8"));

describe("the Node requirement", () => {
  it("is met by the pinned Node for every installed package", async () => {
    const lock = await readJson("package-lock.json");
    const pinned = lock.packages["node_modules/node"].version as string;
    expect(process.version).toBe(`v${pinned}`);
    const unmet = Object.entries(lock.packages as Record<string, { engines?: { node?: string } }>)
      .filter(([path, entry]) => path && typeof entry.engines?.node === "string")
      .filter(
        ([, entry]) => !semver.satisfies(pinned, entry.engines?.node as string, { includePrerelease: true }),
      )
      .map(([path, entry]) => `${path} needs node ${entry.engines?.node}`);
    expect(unmet).toEqual([]);
  });

  it("asks for Node 20 or newer on the machine, as the README says", async () => {
    const pkg = await readJson("package.json");
    expect(pkg.engines).toEqual({ node: ">=20" });
    expect(await readFile(`${ROOT}README.md`, "utf8")).toContain("Node.js 20 or newer");
    for (const script of ["start", "test", "bench", "rehearse", "mcpb", "service", "courses"]) {
      expect(pkg.scripts[script]).toMatch(/^node bin\/require-node\.mjs && /);
    }
  });

  it("is checked before any TypeScript runs: a Node that cannot strip types gets one line saying what to do", async () => {
    const check = `${ROOT}bin/require-node.mjs`;
    await expect(promisify(execFile)(process.execPath, [check])).resolves.toBeDefined();
    // The same check, as a Node 20 would see it.
    const asNode20 = `Object.defineProperty(process.versions, "node", { value: "20.20.2" }); await import(${JSON.stringify(check)});`;
    const run = promisify(execFile)(process.execPath, ["--input-type=module", "-e", asNode20]);
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^rez-agent-mcp: this is Node 20\.20\.2.*run `npm rebuild node` once/),
    });
  });
});
