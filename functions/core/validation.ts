import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { JsonObject } from "./json.ts";
import type { ToolDefinition } from "./tool.ts";

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * Patterns tools share, each with the sentence a failed match becomes (ajv's "must match pattern ..." tells a
 * model nothing).
 */
export const PATTERNS = {
  singleLine: {
    pattern: "^[^\\u0000-\\u001F\\u007F]*$",
    hint: "must be one line without control characters",
  },
  https: { pattern: "^https://", hint: "must be an https:// URL" },
  tag: { pattern: "^[A-Za-z0-9_+-]{1,32}$", hint: "must be a short word (letters, digits, _ + -)" },
  date: { pattern: "^\\d{4}-\\d{2}-\\d{2}$", hint: "must be a date written YYYY-MM-DD" },
  uuid: {
    pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    hint: "must be a request id (a lowercase UUID)",
  },
  timeOfDay: {
    pattern: "^([01]\\d|2[0-3]):[0-5]\\d$",
    hint: "must be a time of day written HH:MM (24-hour)",
  },
} as const;

const PATTERN_HINTS = new Map<string, string>(Object.values(PATTERNS).map((p) => [p.pattern, p.hint]));

export type ArgumentsCheck = { ok: true } | { ok: false; message: string };

/** Compiles every tool's input schema once, then checks arguments against it. */
export class ArgumentValidator {
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(definitions: readonly ToolDefinition[]) {
    // Strict, so a typo in our own schemas fails at start; but a `required` inside anyOf/allOf naming a property the
    // parent defines is valid 2020-12 (SEP-2106 schemas do it), which ajv's strictRequired would refuse.
    const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, useDefaults: false });
    // ajv does not know 2020-12's $anchor; it names a subschema and validates nothing.
    ajv.addKeyword({ keyword: "$anchor", schemaType: "string" });
    // A parameter mirrored into an Mcp-Param header (streamable-http, SEP-2243): the front checks the header.
    ajv.addKeyword({ keyword: "x-mcp-header", schemaType: "string" });
    addFormats(ajv);
    for (const definition of definitions) {
      this.#validators.set(definition.name, ajv.compile(definition.inputSchema));
    }
  }

  check(tool: string, args: JsonObject): ArgumentsCheck {
    const validate = this.#validators.get(tool);
    if (!validate) return { ok: false, message: `Unknown tool: ${tool}` };
    if (validate(args)) return { ok: true };
    const first = validate.errors?.[0];
    return { ok: false, message: `Invalid arguments for tool ${tool}: ${describe(first)}` };
  }
}

/** One sentence naming the offending field, e.g. `"days" must be <= 7`. */
function describe(error: ErrorObject | undefined): string {
  if (!error) return "the arguments do not match the schema";
  const field = error.instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .join(".");
  const subject = field ? `"${field}"` : "arguments";
  switch (error.keyword) {
    case "additionalProperties":
      return `unexpected property "${joinField(field, String(error.params.additionalProperty))}"`;
    case "required":
      return `missing required property "${joinField(field, String(error.params.missingProperty))}"`;
    case "pattern":
      return `${subject} ${PATTERN_HINTS.get(String(error.params.pattern)) ?? "is not in the expected form"}`;
    case "enum":
      return `${subject} must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return `${subject} ${error.message ?? "is invalid"}`;
  }
}

function joinField(parent: string, child: string): string {
  return parent ? `${parent}.${child}` : child;
}
