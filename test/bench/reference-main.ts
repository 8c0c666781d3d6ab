/** The reference server in a process of its own (as ours is), printing `READY <url>`. */
import { startReferenceServer } from "./reference-server.ts";

const reference = await startReferenceServer();
process.stdout.write(`READY ${reference.url}\n`);
process.on("SIGTERM", () => {
  void reference.close().then(() => process.exit(0));
});
