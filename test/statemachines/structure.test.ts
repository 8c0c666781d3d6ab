import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { BUSINESS_FAILURES, isRetried, TOOL_FAILURE_NAMES } from "../../functions/core/policy.ts";
import {
  functionPlaceholder,
  TOOL_FUNCTIONS,
  TOOL_MANIFEST,
  type ToolEntry,
} from "../../functions/tools/manifest.ts";
import { LOCAL_SUBSTITUTIONS } from "../../local/resources.ts";
import { substitute } from "../../local/workflow.ts";
import { generatedStateMachines, STATE_MACHINE_DIR } from "../../statemachines/generate.ts";
import { RACE_SECONDS } from "../../statemachines/scheduled-booking.ts";

/** Both state machines, checked for what every execution relies on. */

const aslValidator = createRequire(import.meta.url)("asl-validator") as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

interface Catcher {
  ErrorEquals: string[];
  Next: string;
}
type State = {
  Type: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  Choices?: (Record<string, unknown> & { Next: string })[];
  Catch?: Catcher[];
  Retry?: { ErrorEquals: string[]; JitterStrategy?: string }[];
  Parameters?: Record<string, unknown> & { FunctionName?: string; Payload?: Record<string, unknown> };
  TimeoutSeconds?: number;
};
type Machine = { StartAt: string; States: Record<string, State> };

const FILES = ["tool-call.asl.json", "scheduled-booking.asl.json"] as const;
const committed = (file: string) => readFileSync(new URL(file, STATE_MACHINE_DIR), "utf8");
const machine = (file: string) => JSON.parse(committed(file)) as Machine;

const targetsOf = (state: State) => [
  ...(state.Next ? [state.Next] : []),
  ...(state.Default ? [state.Default] : []),
  ...(state.Choices ?? []).map((c) => c.Next),
  ...(state.Catch ?? []).map((c) => c.Next),
];
const lambdaTasks = (m: Machine) =>
  Object.entries(m.States).filter(([, s]) => s.Resource === "arn:aws:states:::lambda:invoke");
const PLATFORM_RETRIED = new Set([
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "IdempotencyAlreadyInProgressError",
]);
/** The tools with a side effect, by the placeholder of their function. */
const sideEffectFunctions = new Set(
  (TOOL_MANIFEST as readonly ToolEntry[])
    .filter((entry) => entry.definition.effect && entry.function)
    .map((entry) => `\${${functionPlaceholder(entry.function?.entry ?? "")}}`),
);

describe("the generated state machines", () => {
  it.each([...FILES, "graphs.json"])("%s is exactly what npm run asl writes", (file) => {
    expect(committed(file)).toBe(generatedStateMachines()[file]);
  });

  it.each(FILES)("%s is valid Amazon States Language, with every placeholder given a value", (file) => {
    const result = aslValidator(JSON.parse(substitute(committed(file), LOCAL_SUBSTITUTIONS)), {
      checkPaths: true,
      checkArn: true,
    });
    expect(result.errorsText("\n")).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("uses every local placeholder value between them, and no other", () => {
    const placeholders = FILES.flatMap((file) =>
      [...committed(file).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]),
    );
    expect([...new Set(placeholders)].sort()).toEqual(Object.keys(LOCAL_SUBSTITUTIONS).sort());
  });

  it.each(FILES)("%s has no state that cannot be reached and no transition to a missing state", (file) => {
    const m = machine(file);
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      expect(m.States[name], `${name} is a target`).toBeDefined();
      seen.add(name);
      for (const next of targetsOf(m.States[name] as State)) visit(next);
    };
    visit(m.StartAt);
    expect([...seen].sort()).toEqual(Object.keys(m.States).sort());
  });

  it.each(FILES)(
    "%s retries a tool failure only when the policy does, and never a timeout or an unknown error",
    (file) => {
      for (const [name, task] of lambdaTasks(machine(file))) {
        for (const retry of task.Retry ?? []) {
          expect(retry.JitterStrategy, name).toBe("FULL");
          for (const error of retry.ErrorEquals) {
            expect(isRetried(error) || PLATFORM_RETRIED.has(error), `${name} retries ${error}`).toBe(true);
          }
        }
        const retried = (task.Retry ?? []).flatMap((r) => r.ErrorEquals);
        for (const failure of TOOL_FAILURE_NAMES)
          expect(retried.includes(failure), name).toBe(isRetried(failure));
      }
    },
  );

  it.each(FILES)(
    "%s catches every tool failure class, a timeout and anything else in each tool step",
    (file) => {
      for (const [name, task] of lambdaTasks(machine(file))) {
        const caught = (task.Catch ?? []).flatMap((c) => c.ErrorEquals);
        // Warm up is advisory: whatever it fails with, the race goes on with the plan it has.
        if (name === "Warm up") {
          expect(caught).toEqual(["States.ALL"]);
          continue;
        }
        expect(caught, name).toEqual(
          expect.arrayContaining([...TOOL_FAILURE_NAMES, "States.Timeout", "States.ALL"]),
        );
        expect(caught.at(-1), name).toBe("States.ALL");
      }
    },
  );

  it.each(FILES)(
    "%s ends a business failure green and every other failure red, as the policy says",
    (file) => {
      const choice = machine(file).States["Business failure?"] as State & {
        Choices: [{ Or: { StringEquals: string }[] }];
      };
      expect(choice.Choices[0].Or.map((c) => c.StringEquals).sort()).toEqual([...BUSINESS_FAILURES].sort());
      expect(choice.Default).toBe("Failed");
    },
  );

  it.each(FILES)("%s runs a side effect only after marking it started, while the call is working", (file) => {
    const m = machine(file);
    // The step that acts: a tool's own Task, or the race; not a resolution, a plan or a check, which only read.
    const effects = lambdaTasks(m).filter(
      ([, task]) =>
        sideEffectFunctions.has(task.Parameters?.FunctionName ?? "") &&
        (task.Parameters?.Payload === undefined || task.Parameters.Payload.phase === "race"),
    );
    expect(effects.length).toBeGreaterThan(0);
    for (const [name] of effects) {
      const before = Object.entries(m.States).filter(([, s]) => targetsOf(s).includes(name));
      expect(
        before.map(([n]) => n).every((n) => n.startsWith("Mark ")),
        `${name} follows only a Mark`,
      ).toBe(true);
      for (const [, mark] of before) {
        expect(mark.Resource).toBe("arn:aws:states:::dynamodb:updateItem");
        expect(mark.Parameters?.ConditionExpression).toBe("#status = :working");
      }
    }
  });

  it.each(FILES)(
    "%s resolves a booking step cut off without an answer by asking the site, never runs it again",
    (file) => {
      const m = machine(file);
      const booking = lambdaTasks(m).filter(([name]) => name === "Book tee time" || name === "Race");
      expect(booking).toHaveLength(1);
      for (const [, task] of booking) {
        const next = (error: string) => task.Catch?.find((c) => c.ErrorEquals.includes(error))?.Next;
        expect(next("States.Timeout")).toBe("Resolve booking");
        expect(next("States.ALL")).toBe("Resolve booking");
        expect(m.States["Resolve booking"]?.Parameters?.Payload?.resolve).toBe(true);
        expect(m.States["Resolve booking"]?.Parameters?.FunctionName).toBe(task.Parameters?.FunctionName);
      }
    },
  );
});

describe("the tool-call machine", () => {
  const m = machine("tool-call.asl.json");

  it("routes every tool with a step of its own to its function, with the function's timeout", () => {
    const route = (m.States["Route tool"] as State & { Choices: { StringEquals?: string; Next: string }[] })
      .Choices;
    const stepped = (TOOL_MANIFEST as readonly ToolEntry[]).filter((entry) => entry.step);
    expect(route.filter((c) => c.StringEquals).map((c) => c.StringEquals)).toEqual(
      stepped.map((entry) => entry.definition.name),
    );
    for (const entry of stepped) {
      const task = m.States[entry.step?.state ?? ""] as State;
      expect(task.Parameters?.FunctionName).toBe(`\${${functionPlaceholder(entry.function?.entry ?? "")}}`);
      expect(task.TimeoutSeconds).toBe(entry.function?.seconds);
      // The front starts the tools of the other machine there; this one has no route to them.
      expect(entry.definition.workflow).toBeUndefined();
    }
  });
});

describe("the scheduled-booking machine", () => {
  const m = machine("scheduled-booking.asl.json");

  it("routes a watch to its checks, a resolution to the site's answer and everything else to its plan", () => {
    const route = m.States.Route as State & {
      Choices: { StringEquals?: string; IsPresent?: boolean; Next: string }[];
    };
    expect(route.Choices[0]).toMatchObject({
      Variable: "$.resolve",
      IsPresent: true,
      Next: "Resolve booking",
    });
    expect(route.Choices[1]).toMatchObject({ StringEquals: "golf_watch_tee_times", Next: "Start watching" });
    expect(route.Default).toBe("Plan");
  });

  it("runs every step on the scheduled function, whose timeout outlives the race's", () => {
    const fn = TOOL_FUNCTIONS.find((f) => f.tool === "golf_book_when_open");
    for (const [, task] of lambdaTasks(m)) {
      expect(task.Parameters?.FunctionName).toBe(`\${${functionPlaceholder(fn?.entry ?? "")}}`);
      expect(task.TimeoutSeconds).toBeLessThan(fn?.seconds ?? 0);
    }
    expect(m.States.Race?.TimeoutSeconds).toBe(RACE_SECONDS);
  });

  it("waits for absolute instants, so a restart resumes the same wait", () => {
    const waits = Object.values(m.States).filter((s) => s.Type === "Wait");
    expect(waits.length).toBe(3);
    for (const wait of waits) expect(wait).toHaveProperty("TimestampPath");
  });
});
