// Runs before every npm script that runs TypeScript, on whatever Node npm found first: the project's own Node 22
// (installed by npm ci as the `node` package) or, when that step was skipped, the system's. Plain JavaScript, so it
// can say what is wrong on any Node instead of failing on a .ts file with a stack trace.
const [major, minor] = process.versions.node.split(".").map(Number);
const stripsTypes = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
if (!stripsTypes) {
  process.stderr.write(
    `rez-agent-mcp: this is Node ${process.versions.node}, which cannot run the project's TypeScript. ` +
      "npm ci installs the project's own Node 22 (the `node` package); it was skipped (npm ci --ignore-scripts?): " +
      "run `npm rebuild node` once, then try again.\n",
  );
  process.exit(1);
}
