import {
  type IdempotencyStore,
  idempotentByRequest,
  REQUEST_REPLAY_SECONDS,
} from "../adapters/idempotency.ts";
import { requestJournal } from "../adapters/request-journal.ts";
import { golferOfCall } from "../core/golfers.ts";
import type { ExecutableTool } from "../core/tool.ts";
import type { ToolInvocation } from "../core/tool-invocation.ts";
import type { GolfDeps } from "../tools/cps-golf.ts";
import type { WeatherDeps } from "../tools/get-weather.ts";
import { type FunctionToolName, TOOL_FUNCTIONS } from "../tools/manifest.ts";
import type { NtfyDeps } from "../tools/ntfy.ts";
import {
  coursesFromEnv,
  idempotencyStoreFromEnv,
  ntfyDepsFromEnv,
  upstreamClient,
  weatherConfigFromEnv,
} from "./environment.ts";
import { golfDepsFromEnv } from "./golf.ts";
import { type HandlerRuntime, type ToolHandler, toolEntry, toolHandler } from "./tool-handler.ts";

/**
 * What a tool function is built over. Each part is built on first use and then kept, so a function builds only what
 * its tool uses: a deployed function from its environment (`fromEnvironment`), the local runtime from its own
 * simulators and stores.
 */
export interface FunctionDeps {
  runtime: HandlerRuntime;
  golf(): GolfDeps;
  weather(): WeatherDeps;
  ntfy(): NtfyDeps;
  /** The idempotency table, replaying a request's outcome for as long as its record is kept. */
  idempotency(): IdempotencyStore;
  /** Shrinks a watch's cadence (tests). */
  watchCadenceScale?: number;
}

/** How a tool's function is made from the deps: what every entry module exports as `build`. */
export type FunctionBuilder = (deps: FunctionDeps) => ToolHandler;

export type Part = "golf" | "weather" | "ntfy";
type PartDeps = { golf: GolfDeps; weather: WeatherDeps; ntfy: NtfyDeps };

/** A tool's settings in the manifest: a tool function exists only for a tool with a manifest entry. */
export function functionSettings(tool: string) {
  const settings = TOOL_FUNCTIONS.find((entry) => entry.tool === tool);
  if (!settings) throw new Error(`${tool} has no function in functions/tools/manifest.ts`);
  return settings;
}

/**
 * The generic tool function: the tool over the part of the deps its manifest entry says it uses, and, when it uses
 * `idempotency`, idempotent per request id, so a Lambda retry or a re-driven execution replays the first outcome
 * instead of acting twice.
 */
export function toolFunction<P extends Part>(tool: ExecutableTool<PartDeps[P]>, part: P): FunctionBuilder {
  const name = tool.definition.name;
  const { uses } = functionSettings(name);
  if (!uses.includes(part)) throw new Error(`${name} does not use ${part} in the manifest`);
  if (uses.includes("journal") && !uses.includes("idempotency")) {
    throw new Error(`${name} keeps a journal, which lives in the idempotency table: it must use idempotency`);
  }
  return (deps) => {
    const journal = uses.includes("journal") ? name : undefined;
    const run: ToolHandler = (event) =>
      toolHandler(tool, forCall(deps, part, event, journal) as PartDeps[P], deps.runtime)(event);
    return uses.includes("idempotency") ? idempotentByRequest(name, run, deps.idempotency()) : run;
  };
}

/**
 * A part's deps for one call: acting for the call's golfer, and noting in the call's journal under `journal` (its
 * kind) when given. Every tool function's deps pass through here: no call runs with another call's golfer.
 */
export function forCall<P extends Part>(
  deps: FunctionDeps,
  part: P,
  event: Pick<ToolInvocation, "requestId"> & { golfer?: string },
  journal?: string,
): PartDeps[P] & { golfer: string } {
  const scoped = { ...deps[part](), golfer: golferOfCall(event.golfer) } as PartDeps[P] & { golfer: string };
  return journal === undefined
    ? scoped
    : ({ ...scoped, journal: requestJournal(deps.idempotency(), event.requestId, journal) } as typeof scoped);
}

/** Builds each part once, on first use. */
function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/** The Lambda entry point of a tool's function: its deps from the environment the stack gives it. */
export function lambdaEntry(tool: FunctionToolName, build: FunctionBuilder) {
  return toolEntry(tool, (runtime, { tracer }) =>
    build({
      runtime,
      golf: once(() => golfDepsFromEnv(process.env)),
      weather: once(() => ({
        config: weatherConfigFromEnv(process.env),
        courses: coursesFromEnv(process.env),
        http: upstreamClient(300_000),
      })),
      ntfy: once(() => ntfyDepsFromEnv(process.env)),
      idempotency: once(() => idempotencyStoreFromEnv(process.env, REQUEST_REPLAY_SECONDS, tracer)),
    }),
  );
}

/** Deps of values already built (the local runtime's, a test's); a part not given fails when a tool asks for it. */
export function depsOf(
  values: { runtime: HandlerRuntime; watchCadenceScale?: number } & Partial<{
    golf: GolfDeps;
    weather: WeatherDeps;
    ntfy: NtfyDeps;
    idempotency: IdempotencyStore;
  }>,
): FunctionDeps {
  const given =
    <K extends "golf" | "weather" | "ntfy" | "idempotency">(part: K) =>
    () => {
      const value = values[part];
      if (value === undefined) throw new Error(`no ${part} deps were given`);
      return value as NonNullable<(typeof values)[K]>;
    };
  return {
    runtime: values.runtime,
    golf: given("golf"),
    weather: given("weather"),
    ntfy: given("ntfy"),
    idempotency: given("idempotency"),
    ...(values.watchCadenceScale === undefined ? {} : { watchCadenceScale: values.watchCadenceScale }),
  };
}

/** The entry module of a tool's function, by its manifest entry. */
export const entryModule = (entry: string) => new URL(`./${entry}.ts`, import.meta.url);
