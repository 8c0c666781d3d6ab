import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { canonicalJson, sha256Hex } from "./digest.ts";
import { isJsonObject, type JsonObject } from "./json.ts";
import type { Clock, Principal } from "./ports.ts";
import { TokenSigner } from "./signed-tokens.ts";
import type { Recall } from "./tool.ts";

/**
 * Input gathered before a call by 2026-07-28's multi round-trip requests (basic/patterns/mrtr): a tool with a
 * `gather` step may answer `input_required` with requests for the client (an elicitation, a sampling, its roots);
 * the client calls again with the responses and the `requestState` we gave it; the step then lets the call go ahead,
 * answers it itself, or asks again. Nothing is recorded or run before it goes ahead.
 *
 * The state is attacker-controlled input (the spec's words), so it is signed (HMAC-SHA256 with a server secret) and
 * binds who asked (a digest of the key's owner), what (the tool and its arguments), until when, and a nonce. A call
 * that goes ahead after a verified round takes its idempotency key from that nonce, so one answered state admits at
 * most one call: presented again, it answers the call it already made. A client that sent the same Idempotency-Key
 * on every round keeps it (its own name for the call); one that sends a key per HTTP request (the bridge, retrying)
 * gets the nonce's, so no per-request key can make a second call of one confirmation.
 */

/** How long a round may take the user before its state lapses and the client must start again. */
export const ROUND_TTL_MS = 10 * 60_000;

const STATE_VERSION = 2;

interface StatePayload {
  v: number;
  /** A digest of the owner, not the owner: the client holds the state and must learn nothing from it. */
  o: string;
  /** A digest of the tool and its arguments. */
  r: string;
  /** A digest of the first round's Idempotency-Key, if it had one. */
  k: string | null;
  /** Expiry, epoch ms. */
  e: number;
  /** Unique per round. */
  n: string;
  /** What the gather step keeps between its rounds. */
  d: JsonObject;
}

/** What a gather step sees of one request. */
export interface Round {
  /** The client's declared capabilities (`_meta`): never ask for what it cannot give. */
  capabilities: JsonObject;
  /** The client's `inputResponses`, as sent (only ever read, never trusted beyond their shape). */
  responses: JsonObject;
  /** What the step kept from the previous round, when a verified state came back; undefined on a first call. */
  kept: JsonObject | undefined;
  /** The caller's recent results (what a confirmation tells from). */
  recall: Recall;
  /** Whether the server asks before booking (its setting; confirmation.ts reads it). */
  confirmBookings: boolean;
}

export type Gathered =
  /** Ask the client: its input requests (keys of our choosing), and what to keep for the next round. */
  | { ask: JsonObject; keep?: JsonObject }
  /** Go ahead with the call, with these arguments when the answers change them. */
  | { proceed: true; arguments?: JsonObject }
  /** The request ends here with this result (a decline, say): nothing recorded, nothing run. */
  | { answer: CallToolResult }
  /** The call needs client capabilities the request did not declare: -32021, HTTP 400. */
  | { requires: JsonObject };

/** A tool's step before its call: runs in the front, on every round, and never reaches an upstream. */
export type Gather = (args: JsonObject, round: Round) => Promise<Gathered>;

/** Why a presented requestState is refused; said to the client as -32602 (Invalid params). */
export class StateRefused extends Error {}

/** The part of a request a state is bound to. */
export interface Asked {
  principal: Principal;
  tool: string;
  args: JsonObject;
  idempotencyKey: string | undefined;
}

/** What the round came to, for the era module to answer. */
export type RoundOutcome =
  | { proceed: { arguments: JsonObject; idempotencyKey: string | undefined } }
  | { inputRequired: JsonObject }
  | { answer: CallToolResult }
  | { requires: JsonObject };

export class InputRounds {
  readonly #signer: TokenSigner;
  readonly #clock: Clock;

  /** `secret`: the server's signing secret, loaded on first use (a Secrets Manager read on AWS). */
  constructor(secret: () => Promise<string>, clock: Clock) {
    this.#signer = new TokenSigner(secret);
    this.#clock = clock;
  }

  /**
   * One round of a tool's gather step: verifies a presented state (a bad one is StateRefused), runs the step and
   * turns what it says into the request's outcome.
   */
  async round(
    gather: Gather,
    asked: Asked,
    params: { requestState?: unknown; inputResponses?: unknown },
    context: Omit<Round, "responses" | "kept">,
  ): Promise<RoundOutcome> {
    const verified =
      params.requestState === undefined ? undefined : await this.#verified(asked, params.requestState);
    const responses = isJsonObject(params.inputResponses) ? params.inputResponses : {};
    const gathered = await gather(asked.args, { ...context, responses, kept: verified?.d });
    if ("answer" in gathered) return { answer: gathered.answer };
    if ("requires" in gathered) return { requires: gathered.requires };
    if ("proceed" in gathered) {
      let idempotencyKey = asked.idempotencyKey;
      if (verified) {
        const kept =
          asked.idempotencyKey !== undefined && verified.k === (await keyDigest(asked.idempotencyKey));
        idempotencyKey = kept ? asked.idempotencyKey : `confirmed:${verified.n}`;
      }
      return { proceed: { arguments: gathered.arguments ?? asked.args, idempotencyKey } };
    }
    const state = await this.#signer.sign({
      v: STATE_VERSION,
      o: await ownerDigest(asked.principal),
      r: await requestDigest(asked),
      k: asked.idempotencyKey === undefined ? null : await keyDigest(asked.idempotencyKey),
      e: this.#clock.now() + ROUND_TTL_MS,
      n: crypto.randomUUID(),
      d: gathered.keep ?? {},
    });
    return { inputRequired: { inputRequests: gathered.ask, requestState: state } };
  }

  async #verified(asked: Asked, state: unknown): Promise<StatePayload> {
    if (typeof state !== "string") throw new StateRefused("requestState must be a string");
    const opened = await this.#signer.open<StatePayload>(state);
    if ("refused" in opened) {
      throw new StateRefused(
        opened.refused === "forged" ? "requestState failed its integrity check" : "requestState is malformed",
      );
    }
    const payload = opened.payload;
    if (payload.v !== STATE_VERSION) throw new StateRefused("requestState is of an unknown version");
    if (payload.e <= this.#clock.now()) {
      throw new StateRefused("it has expired; call the tool again to be asked afresh");
    }
    if (payload.o !== (await ownerDigest(asked.principal))) {
      throw new StateRefused("requestState was issued to another caller");
    }
    if (payload.r !== (await requestDigest(asked))) {
      throw new StateRefused("requestState was issued for a different tool call (tool or arguments differ)");
    }
    return payload;
  }
}

const ownerDigest = (principal: Principal) => sha256Hex(`owner\u0000${principal.owner}`);

const requestDigest = (asked: Asked) => sha256Hex(canonicalJson({ tool: asked.tool, arguments: asked.args }));

const keyDigest = (key: string) => sha256Hex(`idempotency-key\u0000${key}`);

/** Whether a client can be asked to fill in a form (elicitation in form mode, the default). */
export function elicitsForms(capabilities: JsonObject): boolean {
  const elicitation = capabilities.elicitation;
  if (!isJsonObject(elicitation)) return false;
  // `{}` is form mode (the default); a client that lists modes must list form.
  return Object.keys(elicitation).length === 0 || isJsonObject(elicitation.form);
}
