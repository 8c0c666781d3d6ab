import { spawn } from "node:child_process";
import { rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, type CfnElement } from "aws-cdk-lib";
import { parseStageConfig } from "../../stacks/config.ts";
import { RezAgentMcpStack } from "../../stacks/rez-agent-mcp-stack.ts";
import { summary } from "./stats.ts";

/**
 * The deployed bundles: synthesised offline into a fresh folder (esbuild, minified), each function's index.mjs
 * size, and the front's module load plus first-invocation init in fresh Node 22 processes.
 */
export async function bundles() {
  // Outside the project, so a bundle resolves no package from our node_modules: it must carry all it imports, as on
  // Lambda.
  const outdir = join(tmpdir(), `rez-bench-cdk-${process.pid}`);
  await rm(outdir, { recursive: true, force: true });
  try {
    const app = new App({ outdir });
    const config = parseStageConfig(
      "bench",
      { coursesFile: "local/sample-courses.json" },
      (path) => new URL(`../../${path}`, import.meta.url).pathname,
    );
    const stack = new RezAgentMcpStack(app, "rez-agent-mcp-bench", { config, env: { region: "us-east-1" } });
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as Template;
    const sizes: Record<string, number> = {};
    let frontBundle = "";
    for (const [name, created] of Object.entries(stack.functions)) {
      const logicalId = stack.getLogicalId(created.function.node.defaultChild as CfnElement);
      const key = template.Resources[logicalId]?.Properties.Code?.S3Key ?? "";
      const file = join(outdir, `asset.${key.replace(/\.zip$/, "")}`, "index.mjs");
      sizes[name] = (await stat(file)).size;
      if (name === "Front") frontBundle = file;
    }
    const frontEnvironment = environmentOf(template, "FrontFunction");
    const inits: number[] = [];
    for (let i = 0; i < 20; i++) inits.push(await frontInit(frontBundle, frontEnvironment));
    return { bundleBytes: sizes, frontLoadAndInitMs: summary(inits) };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

type Template = {
  Resources: Record<
    string,
    { Properties: { Code?: { S3Key?: string }; Environment?: { Variables?: Record<string, unknown> } } }
  >;
};

/**
 * A function's environment as the stack sets it, with each reference to another resource (a table's name, a state
 * machine's ARN) replaced by a stand-in of the same kind: the bench starts the front with what Lambda would give it.
 */
export function environmentOf(template: Template, logicalIdPrefix: string): Record<string, string> {
  const found = Object.entries(template.Resources).find(([id]) => id.startsWith(logicalIdPrefix))?.[1];
  const variables = found?.Properties.Environment?.Variables ?? {};
  const standIn = (name: string, value: unknown): string => {
    if (typeof value === "string") return value;
    // A value built from references (Stack.toJsonString): its text with a stand-in for each reference.
    const join = (value as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
    if (join) return join[1].map((part) => standIn(`${name}_PART`, part)).join(join[0]);
    return name.endsWith("_ARN")
      ? `arn:aws:states:us-east-1:123456789012:stateMachine:bench-${name.toLowerCase()}`
      : `bench-${name.toLowerCase()}`;
  };
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, standIn(name, value)]));
}

/** One fresh process: import the front (a bundle or its source) and answer a request needing no AWS call (GET /mcp → 405). */
export function frontInit(bundle: string, environment: Record<string, string>): Promise<number> {
  // API Gateway's request context carries the stage in the path, as the front expects.
  const stagePath = JSON.stringify(`${environment.API_BASE_PATH ?? ""}/mcp`);
  const script = `
    const started = performance.now();
    const { handler } = await import(${JSON.stringify(bundle)});
    const answer = await handler({ httpMethod: "GET", path: "/mcp", headers: { Host: "x" }, multiValueHeaders: null,
      queryStringParameters: null, multiValueQueryStringParameters: null, body: null, isBase64Encoded: false,
      requestContext: { path: ${stagePath}, domainName: "x", identity: { apiKeyId: "k" } } });
    if (answer.statusCode !== 405) throw new Error("unexpected answer " + answer.statusCode);
    process.stdout.write(String(performance.now() - started));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1", ...environment },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.on("exit", (code) =>
      code === 0 ? resolve(Number(out)) : reject(new Error(`front init failed: ${err}`)),
    );
  });
}
