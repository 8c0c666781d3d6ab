import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { JsonObject } from "./json.ts";
import type { CallContext } from "./mcp-server.ts";
import type { Principal } from "./ports.ts";
import type { RequestRecord, StatusView } from "./record.ts";
import type { ToolCalls } from "./tool-calls.ts";

/**
 * The tools the front answers itself, from the request store, with no workflow: the lifecycle seen as tools. Each
 * is named once, here; a tool whose definition `runs: "front"` and has no answer here is a bug the tests find.
 */
export const FRONT_TOOLS = {
  get_request_status: (args, context, calls) => requestStatus(args, context.principal, calls, context.signal),
  list_requests: (args, context, calls) => listRequests(args, context.principal, calls),
  cancel_request: (args, context, calls) => cancelRequest(args, context.principal, calls),
} satisfies Record<
  string,
  (args: JsonObject, context: CallContext, calls: ToolCalls) => Promise<CallToolResult>
>;

export function answerFrontTool(name: string, args: JsonObject, context: CallContext, calls: ToolCalls) {
  const answer = (FRONT_TOOLS as Record<string, (typeof FRONT_TOOLS)[keyof typeof FRONT_TOOLS]>)[name];
  if (!answer) throw new Error(`${name} runs on the front but has no answer there`);
  return answer(args, context, calls);
}

/** list_requests: the owner's calls, newest first, filtered, a page at a time. */
async function listRequests(
  args: JsonObject,
  principal: Principal,
  calls: ToolCalls,
): Promise<CallToolResult> {
  const limit = typeof args.limit === "number" ? args.limit : 20;
  const wanted = (record: RequestRecord) =>
    (args.status === undefined || record.status === args.status) &&
    (args.tool === undefined || record.tool === args.tool);
  const found: RequestRecord[] = [];
  let cursor = typeof args.cursor === "string" ? args.cursor : undefined;
  // Filtering happens on the pages read: a few pages at most per answer, the cursor carrying on from there. A page
  // never holds more records than the answer has room left for, so no match is read past the cursor and dropped.
  for (let pages = 0; pages < 5 && found.length < limit; pages++) {
    const page = await calls.pageOf(principal, limit - found.length, cursor);
    found.push(...page.records.filter(wanted));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  const requests = found.map((record) => ({
    requestId: record.id,
    tool: record.tool,
    status: record.status,
    // A completed call's one line is its result's summary; any other says where it stands, or why it failed.
    summary:
      record.status === "completed" ? (record.eventSummary ?? record.statusMessage) : record.statusMessage,
    createdAt: record.createdAt,
    lastUpdatedAt: record.lastUpdatedAt,
  }));
  const lines = requests.map((r) => `- ${r.createdAt} ${r.tool} ${r.status} (${r.requestId}): ${r.summary}`);
  const text = requests.length ? `${requests.length} call(s):\n${lines.join("\n")}` : "No calls match.";
  const structuredContent: JsonObject = { requests };
  if (cursor) structuredContent.nextCursor = cursor;
  return {
    content: [{ type: "text", text: cursor ? `${text}\nMore: pass cursor ${cursor}` : text }],
    structuredContent,
  };
}

/** cancel_request: the honest cancel, as a tool. */
async function cancelRequest(
  args: JsonObject,
  principal: Principal,
  calls: ToolCalls,
): Promise<CallToolResult> {
  const requestId = String(args.requestId);
  const outcome = await calls.lifecycle.cancel(requestId, principal);
  if (!outcome) {
    return unknownRequest(requestId);
  }
  const { view } = outcome;
  const text =
    outcome.outcome === "finished"
      ? `The ${view.tool} call already ended as ${view.status}; its status does not change.`
      : `The ${view.tool} call is ${view.status}: ${view.statusMessage}`;
  return {
    content: [{ type: "text", text }],
    structuredContent: view as unknown as JsonObject,
    ...(outcome.outcome === "finished" ? { isError: true } : {}),
  };
}

/** get_request_status: answered from the store, with no workflow. */
async function requestStatus(
  args: JsonObject,
  principal: Principal,
  calls: ToolCalls,
  signal: AbortSignal | undefined,
): Promise<CallToolResult> {
  const requestId = String(args.requestId);
  const seconds = typeof args.wait === "number" ? Math.min(args.wait, calls.maxWaitSeconds) : 0;
  const view = await calls.lifecycle.status(requestId, principal, seconds * 1000, signal);
  if (!view) {
    return unknownRequest(requestId);
  }
  return {
    content: [{ type: "text", text: describeStatus(view) }],
    structuredContent: view as unknown as JsonObject,
  };
}

/** The answer of a lifecycle tool to an id this key has no call with (unknown ids and others' alike). */
function unknownRequest(requestId: string): CallToolResult {
  return {
    content: [{ type: "text", text: `No request with id ${requestId} was found for this API key.` }],
    isError: true,
  };
}

function describeStatus(view: StatusView): string {
  const head = `Request ${view.id} (${view.tool}) is ${view.status}: ${view.statusMessage}`;
  // The readable part of the result: its text blocks (an image or a resource is the status route's to give).
  const text = view.result?.content
    .flatMap((block) => (block.type === "text" ? [block.text] : []))
    .join("\n");
  return text ? `${head}\n\n${text}` : head;
}
