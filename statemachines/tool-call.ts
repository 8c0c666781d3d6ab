import { functionPlaceholder, TOOL_MANIFEST, type ToolEntry } from "../functions/tools/manifest.ts";
import {
  type CutOff,
  describe,
  effectDescriptions,
  failureStates,
  GENERIC_CUT_OFF,
  lambdaTask,
  markStarted,
  RECORD_RESULT,
  type States,
} from "./parts.ts";
import { TAIL } from "./tail.ts";

const COMMENT =
  "rez-agent-mcp: one MCP tools/call. Routes to the tool's Lambda, records the outcome in the request table and publishes it on the event bus. Deployed twice: EXPRESS for the read-only tools (answered in the call), STANDARD for side effects. Input: { requestId, tool, arguments, owner, golfer, startedAt }.";

type Stepped = Required<Pick<ToolEntry, "definition" | "function" | "step">>;

/**
 * statemachines/tool-call.asl.json, from the manifest (or a test's manifest with tools of its own added): a route per tool with a step on this machine, its "Mark …
 * started" state when it has a side effect, its Task, and a Resolve state when its cut-off step can be resolved;
 * then the shared failure states and tail.
 */
export function toolCallMachine(manifest: readonly ToolEntry[] = TOOL_MANIFEST): object {
  const tools = manifest.filter((entry): entry is Stepped => Boolean(entry.step && entry.function));
  const route: object[] = [];
  const steps: States = {};
  let sideEffects: States = {};
  for (const { definition, function: fn, step } of tools) {
    const placeholder = functionPlaceholder(fn.entry);
    const idempotent = fn.uses.includes("idempotency");
    let cutOff: CutOff = GENERIC_CUT_OFF;
    if (step.noun) {
      const described = effectDescriptions(step.noun, definition, Boolean(step.resolve));
      sideEffects = { ...sideEffects, ...described.states };
      cutOff = described.cutOff;
    }
    if (step.resolve) {
      route.unshift({
        And: [
          { Variable: "$.resolve", IsPresent: true },
          { Variable: "$.tool", StringEquals: definition.name },
        ],
        Next: step.resolve.state,
      });
    }
    route.push({ Variable: "$.tool", StringEquals: definition.name, Next: step.mark?.state ?? step.state });
    if (step.mark) steps[step.mark.state] = markStarted(step.mark.comment, step.state);
    steps[step.state] = lambdaTask({
      comment: step.comment,
      placeholder,
      seconds: fn.seconds,
      ...(step.upstreamAttempts ? { attempts: step.upstreamAttempts } : {}),
      idempotent,
      // A cut-off step that can be resolved is: the upstream is asked, never the step run again.
      cutOff: step.resolve
        ? {
            timeout: step.resolve.state,
            crash: step.resolve.state,
            inProgress: cutOff.inProgress ?? cutOff.crash,
          }
        : cutOff,
      next: RECORD_RESULT,
    });
    if (step.resolve) {
      steps[step.resolve.state] = lambdaTask({
        comment: step.resolve.comment,
        placeholder,
        payload: { resolve: true },
        seconds: step.resolve.seconds,
        cutOff: { timeout: cutOff.timeout, crash: cutOff.crash },
        next: RECORD_RESULT,
      });
    }
  }
  return {
    Comment: COMMENT,
    QueryLanguage: "JSONPath",
    StartAt: "Route tool",
    TimeoutSeconds: 900,
    States: {
      "Route tool": { Type: "Choice", Choices: route, Default: "Unknown tool" },
      ...steps,
      "Unknown tool": describe("This server has no workflow for that tool.", { literal: "UnknownTool" }),
      ...failureStates(sideEffects),
      ...TAIL,
    },
  };
}
