import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runToExit } from "../client/run-to-exit.ts";
import { type Harness, startHarness } from "../local/harness.ts";
import { CONFORMANCE_FIXTURES } from "./fixtures.ts";

/**
 * The MCP conformance suite's server scenarios against the local server, authentication off (loopback only), with
 * the suite's fixture tools, resources and prompts registered (fixtures.ts) and run through the real front and state
 * machines: every scenario passes or is in its requirement set's baseline file with the reason.
 */

const CLI = new URL("../../node_modules/@modelcontextprotocol/conformance/dist/index.js", import.meta.url)
  .pathname;
const baseline = (revision: string) => new URL(`./baseline-${revision}.yml`, import.meta.url).pathname;

let harness: Harness;
let cwd: string;
beforeAll(async () => {
  harness = await startHarness({ auth: "off", extra: CONFORMANCE_FIXTURES });
  cwd = await mkdtemp(join(tmpdir(), "rez-conformance-"));
});
afterAll(async () => {
  await harness.close();
  await rm(cwd, { recursive: true, force: true });
});

/** One requirement set of the suite (it needs Node 22: this is the project's Node). */
const run = (revision: string) =>
  runToExit(
    [
      CLI,
      "server",
      "--url",
      harness.runtime.mcpUrl,
      "--requirements",
      revision,
      "--expected-failures",
      baseline(revision),
    ],
    { ...process.env },
    cwd,
  );

describe("the MCP conformance suite", () => {
  it("passes every 2025-11-25 scenario that applies (the initialize era)", async () => {
    const { code, stdout, stderr } = await run("2025-11-25");
    const output = stdout + stderr;
    expect(output).toContain("Baseline check passed");
    for (const scenario of [
      "server-initialize",
      "ping",
      "tools-list",
      "tools-call-image",
      "resources-read-binary",
      "prompts-get-with-image",
      "completion-complete",
      "json-schema-2020-12",
      "dns-rebinding-protection",
    ]) {
      expect(output).toMatch(new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`));
    }
    expect(code).toBe(0);
  }, 120_000);

  it("passes the 2026-07-28 scenarios it can, the rest in its baseline with their reasons (the stateless era)", async () => {
    const { code, stdout, stderr } = await run("2026-07-28");
    const output = stdout + stderr;
    expect(output).toContain("Baseline check passed");
    for (const scenario of [
      "server-stateless",
      "tools-list",
      "tools-call-simple-text",
      "resources-read-text",
      "prompts-get-with-args",
      "caching",
      "input-required-result-tampered-state",
      "input-required-result-capability-check",
      "http-header-validation",
      "http-custom-header-server-validation",
      "sep-2164-resource-not-found",
      "tasks-lifecycle",
      "tasks-capability-negotiation",
      "tasks-wire-fields",
      "tasks-required-task-error",
      "tasks-mrtr-composition",
      "tasks-mrtr-input",
      "tasks-dispatch-and-envelope",
    ]) {
      expect(output).toMatch(new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`));
    }
    expect(code).toBe(0);
  }, 120_000);
});

describe("turning authentication off", () => {
  it("is refused on anything but a loopback address", async () => {
    await expect(startHarness({ auth: "off", host: "0.0.0.0" })).rejects.toThrow(
      /only be turned off on a loopback/,
    );
  });
});
