import type { CatalogContent, Contents } from "../../functions/core/catalog.ts";
import type { Gather, Gathered, Round } from "../../functions/core/input-rounds.ts";
import { isJsonObject, type JsonObject } from "../../functions/core/json.ts";
import { systemClock } from "../../functions/core/ports.ts";
import type { AnyToolResult, ExecutableTool, ToolDefinition } from "../../functions/core/tool.ts";
import { type ToolHandler, toolHandler } from "../../functions/handlers/tool-handler.ts";
import type { ToolEntry } from "../../functions/tools/manifest.ts";
import type { ExtraOfferings } from "../../local/runtime.ts";

/**
 * The conformance suite's fixture tools, resources and prompts (its reference "everything" server's names and
 * answers), as a test-only registry: each tool is a manifest entry with its own function and its own step on the
 * generated tool-call machine, so the suite's calls go through the real front, records, executions and events. Only
 * the conformance test starts a server with them (RuntimeOptions.extra).
 */

const IMAGE =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const AUDIO = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/** Any arguments: the MRTR fixtures run with what their rounds gathered added. */
const OPEN = { type: "object", properties: {} } as const;

const text = (value: string) => ({ type: "text" as const, text: value });

interface Fixture {
  name: string;
  description: string;
  inputSchema?: ToolDefinition["inputSchema"];
  /** `standard`: a durable execution (a task for clients that take tasks); read-only fixtures are express. */
  kind?: "standard";
  taskSupport?: "required";
  gather?: Gather;
  gatherWithin?: "task";
  run(args: JsonObject): Promise<AnyToolResult>;
}

/** An elicitation asking for one string field. */
const askFor = (message: string, field: string) => ({
  method: "elicitation/create",
  params: {
    message,
    requestedSchema: { type: "object", properties: { [field]: { type: "string" } }, required: [field] },
  },
});
const sampling = (prompt: string) => ({
  method: "sampling/createMessage",
  params: { messages: [{ role: "user", content: text(prompt) }], maxTokens: 100 },
});
const roots = { method: "roots/list", params: {} };
const PLEASE_CONFIRM = {
  method: "elicitation/create",
  params: {
    message: "Please confirm",
    requestedSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
  },
};

/** What a response gave: an elicitation's field, a sampling's text, a roots list's length. */
const fieldOf = (response: unknown, field: string) =>
  String((isJsonObject(response) && isJsonObject(response.content) && response.content[field]) ?? "");
const sampledText = (response: unknown) =>
  String(
    (isJsonObject(response) && isJsonObject(response.content) && response.content.text) ?? "no response",
  );
const rootCount = (response: unknown) =>
  isJsonObject(response) && Array.isArray(response.roots) ? response.roots.length : 0;

/**
 * A gather step that asks `requests` once and then goes ahead with the text `answer` makes of the responses; with
 * `stateful`, only responses that come back under the state it signed count.
 */
function askOnce(requests: JsonObject, answer: (round: Round) => string, stateful = false): Gather {
  return async (_args, round) => {
    const answered =
      (!stateful || round.kept?.asked === true) &&
      Object.keys(requests).every((key) => key in round.responses);
    if (answered) return { proceed: true, arguments: { text: answer(round) } };
    return { ask: requests, keep: { asked: true } };
  };
}

/** Asks the user's name, then greets them. */
const greetByName = askOnce(
  { user_name: askFor("What is your name?", "name") },
  (round) => `Hello, ${fieldOf(round.responses.user_name, "name")}!`,
);

/** The fixtures that answer with what their rounds gathered. */
const echo = async (args: JsonObject): Promise<AnyToolResult> => ({ content: [text(String(args.text))] });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const FIXTURES: Fixture[] = [
  // The Tasks extension's fixtures (SEP-2663): a sync tool, and durable ones that become tasks.
  {
    name: "greet",
    description: "Sync-only: says hello",
    inputSchema: { type: "object", properties: { name: { type: "string" } } },
    run: async (args) => ({ content: [text(`Hello, ${String(args.name ?? "World")}!`)] }),
  },
  {
    name: "slow_compute",
    description: "Task-supporting: sleeps `seconds`, then answers",
    inputSchema: {
      type: "object",
      properties: { seconds: { type: "number", minimum: 0, maximum: 60 }, label: { type: "string" } },
    },
    kind: "standard",
    run: async (args) => {
      await sleep(Number(args.seconds ?? 0) * 1000);
      return { content: [text(`Computed ${String(args.label ?? "")} after ${String(args.seconds ?? 0)} s`)] };
    },
  },
  {
    name: "failing_job",
    description: "Task-only: reports a tool error after about a second",
    kind: "standard",
    taskSupport: "required",
    run: async () => {
      await sleep(1_000);
      return { content: [text("The job failed, as it always does.")], isError: true };
    },
  },
  {
    name: "protocol_error_job",
    description: "Task-supporting: crashes",
    kind: "standard",
    run: async () => {
      throw new Error("protocol_error_job crashes by design");
    },
  },
  {
    name: "confirm_delete",
    description: "Task-supporting: asks, inside its task, to confirm the delete (tasks/update answers)",
    kind: "standard",
    gatherWithin: "task",
    gather: askOnce(
      { confirm: PLEASE_CONFIRM },
      (round) => (fieldOf(round.responses.confirm, "ok") === "true" ? "Deleted." : "Not deleted."),
      true,
    ),
    run: echo,
  },
  {
    name: "multi_input",
    description: "Task-supporting: asks two questions at once inside its task",
    kind: "standard",
    gatherWithin: "task",
    gather: askOnce(
      { first: askFor("First answer?", "value"), second: askFor("Second answer?", "value") },
      ({ responses }) => `Got ${fieldOf(responses.first, "value")} and ${fieldOf(responses.second, "value")}`,
      true,
    ),
    run: echo,
  },
  {
    name: "test_tool_with_task",
    description: "Task-only: asks the user's name first (MRTR), then runs as a task that greets them",
    kind: "standard",
    taskSupport: "required",
    gather: greetByName,
    run: echo,
  },
  {
    name: "test_simple_text",
    description: "Tests simple text content response",
    run: async () => ({ content: [text("This is a simple text response for testing.")] }),
  },
  {
    name: "test_image_content",
    description: "Tests image content response",
    run: async () => ({ content: [{ type: "image", data: IMAGE, mimeType: "image/png" }] }),
  },
  {
    name: "test_audio_content",
    description: "Tests audio content response",
    run: async () => ({ content: [{ type: "audio", data: AUDIO, mimeType: "audio/wav" }] }),
  },
  {
    name: "test_embedded_resource",
    description: "Tests embedded resource content response",
    run: async () => ({
      content: [
        {
          type: "resource",
          resource: {
            uri: "test://embedded-resource",
            mimeType: "text/plain",
            text: "This is an embedded resource content.",
          },
        },
      ],
    }),
  },
  {
    name: "test_multiple_content_types",
    description: "Tests response with multiple content types (text, image, resource)",
    run: async () => ({
      content: [
        text("Multiple content types test:"),
        { type: "image", data: IMAGE, mimeType: "image/png" },
        {
          type: "resource",
          resource: {
            uri: "test://mixed-content-resource",
            mimeType: "application/json",
            text: JSON.stringify({ test: "data", value: 123 }),
          },
        },
      ],
    }),
  },
  {
    name: "test_error_handling",
    description: "Tests error response handling",
    run: async () => ({
      content: [text("This tool intentionally returns an error for testing")],
      isError: true,
    }),
  },
  {
    name: "json_schema_2020_12_tool",
    description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
    inputSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      $defs: {
        address: {
          $anchor: "addressDef",
          type: "object",
          properties: { street: { type: "string" }, city: { type: "string" } },
        },
      },
      properties: {
        name: { type: "string" },
        address: { $ref: "#/$defs/address" },
        contactMethod: { type: "string", enum: ["phone", "email"] },
        phone: { type: "string" },
        email: { type: "string" },
      },
      allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
      if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, as the suite's fixture has it
      then: { required: ["phone"] },
      else: { required: ["email"] },
      additionalProperties: false,
    },
    run: async (args) => ({
      content: [text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`)],
    }),
  },
  {
    name: "test_custom_headers",
    description: "Mirrors its region argument into the Mcp-Param-Region header (SEP-2243)",
    inputSchema: {
      type: "object",
      properties: {
        region: { type: "string", "x-mcp-header": "Region" },
        query: { type: "string" },
      },
      required: ["region"],
    },
    run: async (args) => ({ content: [text(`Ran in ${String(args.region)}`)] }),
  },
  {
    name: "test_logging_tool",
    description:
      "Diagnostic logging validator tool: logs nothing unless a log level is asked for (none can be)",
    run: async () => ({ content: [text("Done, with no log messages.")] }),
  },
  {
    name: "test_streaming_elicitation",
    description: "Diagnostic tool validating response progress streams",
    gather: greetByName,
    run: echo,
  },
  {
    name: "test_missing_capability",
    description: "Test tool requiring sampling",
    gather: async (_args, round) =>
      isJsonObject(round.capabilities.sampling)
        ? { proceed: true, arguments: { text: "Success" } }
        : { requires: { sampling: {} } },
    run: echo,
  },
  {
    name: "test_input_required_result_elicitation",
    description: "MRTR: returns InputRequiredResult with elicitation request",
    gather: greetByName,
    run: echo,
  },
  {
    name: "test_input_required_result_sampling",
    description: "MRTR: returns InputRequiredResult with sampling request",
    gather: askOnce(
      { capital_question: sampling("What is the capital of France?") },
      (round) => `Sampling result: ${sampledText(round.responses.capital_question)}`,
    ),
    run: echo,
  },
  {
    name: "test_input_required_result_list_roots",
    description: "MRTR: returns InputRequiredResult with roots/list request",
    gather: askOnce(
      { client_roots: roots },
      (round) => `Found ${rootCount(round.responses.client_roots)} root(s)`,
    ),
    run: echo,
  },
  {
    name: "test_input_required_result_request_state",
    description: "MRTR: returns InputRequiredResult with requestState",
    gather: askOnce({ confirm: PLEASE_CONFIRM }, () => "state-ok: requestState validated", true),
    run: echo,
  },
  {
    name: "test_input_required_result_multiple_inputs",
    description: "MRTR: returns InputRequiredResult with multiple input requests",
    gather: askOnce(
      {
        user_name: askFor("What is your name?", "name"),
        greeting: sampling("Generate a greeting"),
        client_roots: roots,
      },
      ({ responses }) =>
        `Name: ${fieldOf(responses.user_name, "name")}; Greeting: ${sampledText(responses.greeting)}; ` +
        `Roots: ${rootCount(responses.client_roots)}`,
      true,
    ),
    run: echo,
  },
  {
    name: "test_input_required_result_multi_round",
    description: "MRTR: multi-round InputRequiredResult workflow",
    gather: async (_args, { kept, responses }): Promise<Gathered> => {
      if (kept?.round === 2 && responses.step2) {
        const color = fieldOf(responses.step2, "color");
        return {
          proceed: true,
          arguments: { text: `Multi-round complete for ${String(kept.name)} who likes ${color}` },
        };
      }
      if (kept?.round === 1 && responses.step1) {
        return {
          ask: { step2: askFor("Step 2: What is your favorite color?", "color") },
          keep: { round: 2, name: fieldOf(responses.step1, "name") },
        };
      }
      return { ask: { step1: askFor("Step 1: What is your name?", "name") }, keep: { round: 1 } };
    },
    run: echo,
  },
  {
    name: "test_input_required_result_tampered_state",
    description: "MRTR: HMAC-signed requestState integrity test",
    gather: askOnce({ confirm: PLEASE_CONFIRM }, () => "integrity-ok: state verified", true),
    run: echo,
  },
  {
    name: "test_input_required_result_capabilities",
    description: "MRTR: respects client capabilities in inputRequests",
    gather: async (_args, round) => {
      if (round.kept?.asked === true && Object.keys(round.responses).length > 0) {
        return {
          proceed: true,
          arguments: { text: `capabilities-ok: received ${Object.keys(round.responses).join(",")}` },
        };
      }
      const requests: JsonObject = {};
      if (isJsonObject(round.capabilities.elicitation))
        requests.elicit_input = askFor("Elicitation input", "value");
      if (isJsonObject(round.capabilities.sampling)) requests.sample_input = sampling("Sample request");
      if (isJsonObject(round.capabilities.roots)) requests.roots_input = roots;
      if (Object.keys(requests).length === 0) {
        return { proceed: true, arguments: { text: "No supported capabilities declared" } };
      }
      return { ask: requests, keep: { asked: true } };
    },
    run: echo,
  },
];

const entryOf = (name: string) => `fixture-${name.replaceAll("_", "-")}`;

function definitionOf(fixture: Fixture): ToolDefinition {
  const readOnly = fixture.kind !== "standard";
  return {
    name: fixture.name,
    title: fixture.name,
    description: fixture.description,
    inputSchema: fixture.inputSchema ?? OPEN,
    annotations: {
      readOnlyHint: readOnly,
      destructiveHint: false,
      idempotentHint: readOnly,
      openWorldHint: false,
    },
    runs: "workflow",
    ...(fixture.gather ? { gather: fixture.gather } : {}),
    ...(fixture.taskSupport ? { taskSupport: fixture.taskSupport } : {}),
    ...(fixture.gatherWithin ? { gatherWithin: fixture.gatherWithin } : {}),
  };
}

const entries: ToolEntry[] = FIXTURES.map((fixture) => ({
  definition: definitionOf(fixture),
  function: { entry: entryOf(fixture.name), seconds: 30, uses: [] },
  step: { state: `Fixture ${fixture.name}`, comment: `The conformance suite's ${fixture.name}.` },
}));

const quiet = { error: () => {}, warn: () => {}, info: () => {} };

const handlers: Record<string, ToolHandler> = Object.fromEntries(
  FIXTURES.map((fixture) => {
    const tool: ExecutableTool<object, JsonObject, AnyToolResult> = {
      definition: definitionOf(fixture),
      summarize: () => `${fixture.name} answered`,
      execute: (args) => fixture.run(args),
    };
    return [fixture.name, toolHandler(tool, {}, { clock: systemClock, logger: quiet })];
  }),
);

const PRIVATE = { ttlMs: 300_000, cacheScope: "private" } as const;
const textResource = (uri: string, mimeType: string, value: string): Contents => [
  { uri, mimeType, text: value },
];

const catalog: CatalogContent = {
  icons: [],
  resources: [
    {
      resource: {
        uri: "test://static-text",
        name: "static-text",
        title: "Static Text Resource",
        description: "A static text resource for testing",
        mimeType: "text/plain",
      },
      cache: PRIVATE,
      read: async () =>
        textResource("test://static-text", "text/plain", "This is the content of the static text resource."),
    },
    {
      resource: {
        uri: "test://static-binary",
        name: "static-binary",
        title: "Static Binary Resource",
        description: "A static binary resource (image) for testing",
        mimeType: "image/png",
      },
      cache: PRIVATE,
      read: async () => [{ uri: "test://static-binary", mimeType: "image/png", blob: IMAGE }],
    },
  ],
  templates: [
    {
      template: {
        uriTemplate: "test://template/{id}/data",
        name: "template",
        title: "Resource Template",
        description: "A resource template with parameter substitution",
        mimeType: "application/json",
      },
      cache: PRIVATE,
      match: (uri) => {
        const id = /^test:\/\/template\/([^/]+)\/data$/.exec(uri)?.[1];
        return id === undefined ? undefined : { id };
      },
      read: async ({ id }) =>
        textResource(
          `test://template/${id}/data`,
          "application/json",
          JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
        ),
    },
  ],
  prompts: [
    {
      prompt: {
        name: "test_simple_prompt",
        title: "Simple Test Prompt",
        description: "A simple prompt without arguments",
      },
      messages: () => [{ role: "user", content: text("This is a simple prompt for testing.") }],
    },
    {
      prompt: {
        name: "test_prompt_with_arguments",
        title: "Prompt With Arguments",
        description: "A prompt with required arguments",
        arguments: [
          { name: "arg1", description: "First test argument", required: true },
          { name: "arg2", description: "Second test argument", required: true },
        ],
      },
      messages: (args) => [
        { role: "user", content: text(`Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`) },
      ],
      complete: (argument, value) =>
        argument === "arg1"
          ? ["paris", "park", "party", "test-value"].filter((v) => v.startsWith(value))
          : [],
    },
    {
      prompt: {
        name: "test_prompt_with_embedded_resource",
        title: "Prompt With Embedded Resource",
        description: "A prompt that includes an embedded resource",
        arguments: [{ name: "resourceUri", description: "URI of the resource to embed", required: true }],
      },
      messages: (args) => [
        {
          role: "user",
          content: {
            type: "resource",
            resource: {
              uri: String(args.resourceUri),
              mimeType: "text/plain",
              text: "Embedded resource content for testing.",
            },
          },
        },
        { role: "user", content: text("Please process the embedded resource above.") },
      ],
    },
    {
      prompt: {
        name: "test_prompt_with_image",
        title: "Prompt With Image",
        description: "A prompt that includes image content",
      },
      messages: () => [
        { role: "user", content: { type: "image", data: IMAGE, mimeType: "image/png" } },
        { role: "user", content: text("Please analyze the image above.") },
      ],
    },
    {
      prompt: {
        name: "test_input_required_result_prompt",
        description: "MRTR: prompt that requires elicitation input",
      },
      needs: { user_context: askFor("What context should the prompt use?", "context") },
      messages: (_args, responses) => [
        {
          role: "user",
          content: text(`Prompt with context: ${fieldOf(responses?.user_context, "context")}`),
        },
      ],
    },
  ],
};

export const CONFORMANCE_FIXTURES: ExtraOfferings = { entries, handlers, catalog };
