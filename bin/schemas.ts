import { mkdirSync, writeFileSync } from "node:fs";
import { toolCallEventSchemas } from "../functions/core/event-schema.ts";

/** `npm run schemas`: writes the completion events' JSON Schemas to docs/events/ (a test checks they match). */
export const SCHEMA_DIR = new URL("../docs/events/", import.meta.url);

if (import.meta.main) {
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [name, schema] of Object.entries(toolCallEventSchemas())) {
    writeFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), `${JSON.stringify(schema, null, 2)}\n`);
    console.error(`wrote docs/events/${name}.schema.json`);
  }
}
