import type { EventPattern, EventPatternValue } from "./events.ts";
import { isJsonObject } from "./json.ts";

/**
 * Whether an event (EventBridge's shape: `source`, `detail-type`, `detail`) matches a pattern, for the subset of
 * the pattern syntax in EventPatternValue. Every field named in the pattern must match; arrays in the event match
 * when any element does, as in EventBridge.
 */
export function matchesPattern(pattern: EventPattern, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const actual = event[field];
    if (!Array.isArray(expected)) return isJsonObject(actual) && matchesPattern(expected, actual);
    return expected.some((rule) => matchesRule(rule, actual));
  });
}

function matchesRule(rule: EventPatternValue, actual: unknown): boolean {
  if (Array.isArray(actual)) {
    if (typeof rule === "object" && "exists" in rule) return rule.exists;
    return actual.some((element) => matchesRule(rule, element));
  }
  if (typeof rule !== "object") return actual === rule;
  if ("exists" in rule) return (actual !== undefined) === rule.exists;
  if ("prefix" in rule) return typeof actual === "string" && actual.startsWith(rule.prefix);
  const excluded = rule["anything-but"];
  const list = Array.isArray(excluded) ? excluded : [excluded];
  return actual !== undefined && !list.includes(actual as string | number);
}
