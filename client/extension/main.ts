/** npm run mcpb: builds dist/rez-agent-mcp.mcpb, the one-click Claude Desktop extension. */
import { relative } from "node:path";
import { buildExtension } from "./build.ts";

try {
  const { file } = await buildExtension();
  process.stdout.write(
    `Built ${relative(process.cwd(), file)}. Open it with Claude Desktop (double-click, or Settings → Extensions) to install.\n`,
  );
} catch (error) {
  process.stderr.write(`rez-agent-mcp: cannot build the extension: ${(error as Error).message}\n`);
  process.exit(1);
}
