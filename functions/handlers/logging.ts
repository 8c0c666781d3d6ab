import { Logger } from "@aws-lambda-powertools/logger";
import { REDACTED, redactText } from "../core/redact.ts";

/** Keys whose values never reach a log, wherever they appear in a logged object. */
const SECRET_KEYS = /pass(word)?|secret|token|authorization|cookie|credential|email|acct|username/i;

/**
 * The replacer every log line goes through (Powertools' jsonReplacerFn): secret keys are replaced whole, and
 * tokens inside any string (an error message quoting a header, say) are cut out.
 */
export function redact(key: string, value: unknown): unknown {
  if (key && SECRET_KEYS.test(key) && value !== null && value !== undefined && typeof value !== "object") {
    return REDACTED;
  }
  if (typeof value === "string") {
    return redactText(value);
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** A Powertools logger for one function, with redaction on every line. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redact });
}
