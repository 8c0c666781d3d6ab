import { writeFileSync } from "node:fs";
import { generatedStateMachines, STATE_MACHINE_DIR } from "../statemachines/generate.ts";

/** `npm run asl`: writes both ASL files from the manifest and the policy. */
for (const [file, text] of Object.entries(generatedStateMachines())) {
  writeFileSync(new URL(file, STATE_MACHINE_DIR), text);
  console.error(`wrote statemachines/${file}`);
}
