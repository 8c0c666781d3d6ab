import { spawn } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { drawIcon } from "./icon.ts";
import { ENTRY_POINT, extensionManifest } from "./manifest.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MCPB_CLI = join(ROOT, "node_modules/@anthropic-ai/mcpb/dist/cli/cli.js");

export interface BuiltExtension {
  /** The unpacked extension: manifest.json, icon.png and the bundled bridge. */
  dir: string;
  /** The packed `.mcpb` file. */
  file: string;
  /** What esbuild put in the bridge's bundle. */
  metafile: Metafile;
}

/**
 * Builds the Claude Desktop extension into `outDir`: the bridge as one JavaScript file (ESM, Node 20 or newer, every
 * package inside it), the manifest and the icon, packed with the official mcpb CLI (which validates the manifest).
 */
export async function buildExtension(outDir = join(ROOT, "dist")): Promise<BuiltExtension> {
  const dir = join(outDir, "mcpb");
  const file = join(outDir, "rez-agent-mcp.mcpb");
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "server"), { recursive: true });
  const { metafile } = await build({
    entryPoints: [join(ROOT, "client/bridge.ts")],
    outfile: join(dir, ENTRY_POINT),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Some bundled packages are CommonJS and call require for Node's built-ins.
    banner: {
      js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
    },
    legalComments: "eof",
    metafile: true,
    logLevel: "error",
  });
  await writeFile(join(dir, "manifest.json"), `${JSON.stringify(extensionManifest(), null, 2)}\n`);
  await writeFile(join(dir, "icon.png"), drawIcon());
  await rm(file, { force: true });
  await mcpb(["pack", dir, file]);
  return { dir, file, metafile };
}

/** Runs the mcpb CLI; rejects with what it printed when it fails. */
export function mcpb(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MCPB_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`mcpb ${args[0]} failed (exit ${code}):\n${output}`)),
    );
  });
}
