import { NotConfigured } from "./errors.ts";

/**
 * Golfers: whose golf accounts and phone a call acts for. Every API key names its golfer, or is bound to none.
 *
 * The simple default: a server that names no golfers has one, `default` (the secrets' top-level credentials and the
 * server's ntfy topic), and every key acts as it. Once golfers are named, a key acts only as the golfer it is bound
 * to, and a key bound to none has no golf account (docs/golfers.md).
 */

/** The golfer of the secrets' top level and of the environment's CPS_GOLF_* and NTFY_* settings. */
export const DEFAULT_GOLFER = "default";

/** Stored and passed as the golfer of a call whose key has no golf account (no golfer id starts with "-"). */
export const NO_GOLFER = "-";

/** A golfer's id: it names a secret and is written into records and events, so it is kept plain. */
export const GOLFER_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** A golfer id is checked where it is configured; the message names the rule, not the value's neighbours. */
export function checkGolferId(id: unknown, where: string): string {
  if (typeof id !== "string" || !GOLFER_ID_PATTERN.test(id)) {
    throw new Error(
      `${where}: a golfer id is 1-32 lowercase letters, digits, - or _, starting with a letter or digit`,
    );
  }
  return id;
}

/**
 * The golfer a key acts as: the one it is bound to (when that golfer exists); an unbound key acts as the default
 * golfer only while no golfer is named. Undefined: the key has no golf account.
 */
export function golferOfKey(bound: string | undefined, named: readonly string[]): string | undefined {
  if (bound !== undefined) return bound === DEFAULT_GOLFER || named.includes(bound) ? bound : undefined;
  return named.length === 0 ? DEFAULT_GOLFER : undefined;
}

/** The golfer a stored call acts for: calls recorded before golfers existed act for the default golfer. */
export const golferOfCall = (golfer: string | undefined): string => golfer ?? DEFAULT_GOLFER;

/**
 * The golfer a tool acts for (its deps' golfer, the default when unset); a call whose key has no golf account is
 * refused here too, behind the front's refusal.
 */
export function actingGolfer(golfer: string | undefined): string {
  const acting = golferOfCall(golfer);
  if (acting === NO_GOLFER) throw new NotConfigured(noGolfAccountMessage("this call"));
  return acting;
}

/** What a call on a golfer's behalf answers when its key has none. */
export function noGolfAccountMessage(tool: string): string {
  return (
    `This API key has no golf account on this server, so ${tool} cannot act for it. ` +
    "The server's operator binds a key to a golfer (docs/golfers.md)."
  );
}

/** How the start banner describes the golfers. */
export function describeGolfers(named: readonly string[]): string {
  if (named.length === 0) return "Golfers: one, the default, for every key.";
  return `Golfers: ${[DEFAULT_GOLFER, ...named].join(", ")}; each key acts only as the golfer it is bound to.`;
}
