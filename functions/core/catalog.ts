import type {
  CallToolResult,
  GetPromptResult,
  Icon,
  Prompt,
  Resource,
  ResourceTemplate,
} from "@modelcontextprotocol/sdk/types.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { JsonObject } from "./json.ts";
import type { StatusView } from "./record.ts";

/**
 * What the server offers besides tools, in either era: resources (and templates), prompts and completions. The
 * content is the golf side's (functions/tools/golf-catalog.ts); this module is the protocol's shape of it, which
 * both era modules serve, so a resource reads the same whichever revision asks.
 */

/** What a read may do on the caller's behalf: run a tool as a call of theirs, read one of their calls. */
export interface Reader {
  call(tool: string, args: JsonObject): Promise<CallToolResult>;
  status(requestId: string): Promise<StatusView | undefined>;
  /** The caller's recent request ids, newest first (completing a request id). */
  recentRequestIds(): Promise<string[]>;
}

/** A read's contents: text, or binary as Base64 (`blob`). */
export type Contents = (
  | { uri: string; mimeType: string; text: string }
  | { uri: string; mimeType: string; blob: string }
)[];

/** 2026-07-28's caching hints of a read (server/utilities/caching): how long it stays fresh, who may share it. */
export interface CacheHint {
  ttlMs: number;
  cacheScope: "public" | "private";
}

/** What is the caller's own is never shared and never fresh for long. */
export const PRIVATE_NOW: CacheHint = { ttlMs: 0, cacheScope: "private" };

export interface ResourceEntry {
  resource: Resource;
  cache: CacheHint;
  read(reader: Reader): Promise<Contents>;
}

export interface TemplateEntry {
  template: ResourceTemplate;
  cache: CacheHint;
  /** The template's variables from a URI it matches, else undefined. */
  match(uri: string): Record<string, string> | undefined;
  read(variables: Record<string, string>, reader: Reader): Promise<Contents | undefined>;
  /** Completions of one of its variables. */
  complete?(variable: string, value: string, reader: Reader): Promise<string[]>;
}

export interface PromptEntry {
  prompt: Prompt;
  /**
   * Input the prompt asks the client for first (MRTR, 2026-07-28 only): its input requests; the messages are made
   * once every one has a response.
   */
  needs?: JsonObject;
  messages(args: Record<string, string>, responses?: JsonObject): GetPromptResult["messages"];
  /** Completions of one of its arguments. */
  complete?(argument: string, value: string): string[];
}

export interface CatalogContent {
  resources: ResourceEntry[];
  templates: TemplateEntry[];
  prompts: PromptEntry[];
  icons: Icon[];
}

/** How many completion values one answer carries at most (the spec's limit). */
const MAX_COMPLETIONS = 100;

/** A reference completion/complete names: a prompt's argument or a resource template's variable. */
export type CompletionRef = { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };

export class Catalog {
  readonly resources: Resource[];
  readonly resourceTemplates: ResourceTemplate[];
  readonly prompts: Prompt[];
  readonly icons: Icon[];
  readonly #content: CatalogContent;

  constructor(content: CatalogContent) {
    this.#content = content;
    this.resources = content.resources.map((entry) => entry.resource);
    this.resourceTemplates = content.templates.map((entry) => entry.template);
    this.prompts = content.prompts.map((entry) => entry.prompt);
    this.icons = content.icons;
  }

  /** resources/read: the contents, or -32602 with the URI (SEP-2164) when no resource has it. */
  async read(uri: string, reader: Reader): Promise<{ contents: Contents; cache: CacheHint }> {
    const fixed = this.#content.resources.find((entry) => entry.resource.uri === uri);
    if (fixed) return { contents: await fixed.read(reader), cache: fixed.cache };
    for (const entry of this.#content.templates) {
      const variables = entry.match(uri);
      if (!variables) continue;
      const contents = await entry.read(variables, reader);
      if (contents) return { contents, cache: entry.cache };
    }
    throw new McpError(ErrorCode.InvalidParams, `Resource not found: ${uri}`, { uri });
  }

  /**
   * prompts/get: the prompt's messages for its arguments, or the input it needs first (only asked of a client that
   * can answer: `responses` is undefined in the initialize era, which cannot); -32602 for an unknown prompt or a
   * missing argument.
   */
  prompt(
    name: string,
    args: Record<string, string>,
    responses?: JsonObject,
  ): GetPromptResult | { inputRequests: JsonObject } {
    const entry = this.#content.prompts.find((p) => p.prompt.name === name);
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
    for (const argument of entry.prompt.arguments ?? []) {
      if (argument.required && !args[argument.name]?.trim()) {
        throw new McpError(ErrorCode.InvalidParams, `Prompt ${name} needs the argument "${argument.name}"`);
      }
    }
    if (entry.needs && responses && !Object.keys(entry.needs).every((key) => key in responses)) {
      return { inputRequests: entry.needs };
    }
    const result: GetPromptResult = { messages: entry.messages(args, responses) };
    if (entry.prompt.description) result.description = entry.prompt.description;
    return result;
  }

  /** completion/complete: values for what the user has typed so far, best first. */
  async complete(
    ref: CompletionRef,
    argument: { name: string; value: string },
    reader: Reader,
  ): Promise<{ completion: { values: string[]; total: number; hasMore: boolean } }> {
    let values: string[] = [];
    if (ref.type === "ref/prompt") {
      const entry = this.#content.prompts.find((p) => p.prompt.name === ref.name);
      if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
      values = entry.complete?.(argument.name, argument.value) ?? [];
    } else {
      const entry = this.#content.templates.find((t) => t.template.uriTemplate === ref.uri);
      if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown resource template: ${ref.uri}`);
      values = (await entry.complete?.(argument.name, argument.value, reader)) ?? [];
    }
    return {
      completion: {
        values: values.slice(0, MAX_COMPLETIONS),
        total: values.length,
        hasMore: values.length > MAX_COMPLETIONS,
      },
    };
  }
}
