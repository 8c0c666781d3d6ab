/**
 * `npm run rehearse`: synthesizes the stack, runs its cloud assembly on this machine (the bundles in Node processes
 * that see only the runtime's packages, the template's state machines, rules, tables and environment), holds an MCP
 * session against it, and prints what each function did. Exit 1 when a step fails.
 */
import { measureLatency } from "./latency.ts";
import { startRehearsal } from "./rehearsal.ts";
import { functionTable, runSession } from "./session.ts";

const started = performance.now();
const rehearsal = await startRehearsal((line) => process.stderr.write(`${line}\n`));
let failed = false;
try {
  process.stderr.write(`API Gateway stand-in: ${rehearsal.endpoint}\n`);
  const steps = await runSession(rehearsal).catch((error: Error) => {
    failed = true;
    process.stderr.write(`FAILED ${error.message}\n`);
    return [];
  });
  for (const step of steps)
    process.stdout.write(`${step.ok ? "ok  " : "FAIL"} ${step.name} (${step.ms.toFixed(0)} ms)\n`);
  process.stdout.write(`\n${functionTable(rehearsal)}\n`);
  if (!failed) {
    const measured = await measureLatency(rehearsal);
    const line = (name: string, p: { median: number; p95: number; n: number }) =>
      `${name}: median ${p.median.toFixed(0)} ms, p95 ${p.p95.toFixed(0)} ms (${p.n} runs)\n`;
    process.stdout.write("\n");
    process.stdout.write(
      line("standard call: completion → the front's answer", measured.standardAnswerLagMs),
    );
    process.stdout.write(
      line("get_weather workflow, express (StartSyncExecution)", measured.getWeatherExpressMs),
    );
    process.stdout.write(
      line("get_weather workflow, standard (start + record polling)", measured.getWeatherStandardMs),
    );
  }
  process.stdout.write(`\nrehearsal done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
} finally {
  await rehearsal.close();
}
process.exit(failed ? 1 : 0);
