import { canonicalJson, sha256Hex } from "./digest.ts";
import { isJsonObject, type JsonObject } from "./json.ts";
import type { Clock, Principal } from "./ports.ts";
import type { ToolDefinition } from "./tool.ts";

/**
 * Confirmation before a booking, by 2026-07-28's multi round-trip requests (basic/patterns/mrtr): the first
 * tools/call of a tool that books answers `input_required` with an elicitation saying what would be booked; the
 * client asks its user and calls again with the answer and the `requestState` we gave it. Nothing is recorded, held
 * or booked before the user accepts.
 *
 * The state is attacker-controlled input (the spec's words), so it is signed (HMAC-SHA256 with a server secret) and
 * binds who asked (the key's owner), what (the tool, its arguments and any Idempotency-Key) and until when. It is
 * single-use where it matters: the confirmed call's request id derives from the state's nonce, so presenting the
 * same state again answers the call it already made (the same booking), never a second one.
 */

/** The key of our one input request: the elicitation that asks the user to confirm. */
export const CONFIRM_INPUT = "confirm";

/** How long a confirmation may take the user before its state lapses and the client must ask again. */
export const CONFIRMATION_TTL_MS = 10 * 60_000;

const STATE_VERSION = 1;

interface StatePayload {
  v: number;
  /** A digest of the owner, not the owner: the client holds the state and must learn nothing from it. */
  o: string;
  /** A digest of the tool, its arguments and the Idempotency-Key, if any. */
  r: string;
  /** Expiry, epoch ms. */
  e: number;
  /** Unique per confirmation: the confirmed call's idempotency. */
  n: string;
}

/** Why a presented requestState is refused; said to the client as -32602 (Invalid params). */
export class StateRefused extends Error {}

/** What the client answered, once its state is verified. */
export type Answer =
  | { kind: "accepted"; idempotencyKey: string }
  | { kind: "declined"; action: "decline" | "cancel" }
  /** No answer to our input request (or not a form's): ask again, as the spec says. */
  | { kind: "unanswered" };

/** The part of a request the state is bound to. */
export interface Asked {
  principal: Principal;
  definition: ToolDefinition;
  args: JsonObject;
  idempotencyKey: string | undefined;
}

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

export class Confirmations {
  readonly #secret: () => Promise<string>;
  readonly #clock: Clock;
  #key: Promise<CryptoKey> | undefined;

  /** `secret`: the server's signing secret, loaded on first use (a Secrets Manager read on AWS). */
  constructor(secret: () => Promise<string>, clock: Clock) {
    this.#secret = secret;
    this.#clock = clock;
  }

  /** Whether the request's client can be asked: it declares elicitation (form mode, the default). */
  static canAsk(clientCapabilities: JsonObject): boolean {
    const elicitation = clientCapabilities.elicitation;
    if (!isJsonObject(elicitation)) return false;
    // `{}` is form mode (the default); a client that lists modes must list form.
    return Object.keys(elicitation).length === 0 || isJsonObject(elicitation.form);
  }

  /** The input_required result asking the user to confirm `plan`. */
  async ask(asked: Asked, plan: string): Promise<JsonObject> {
    const payload: StatePayload = {
      v: STATE_VERSION,
      o: await sha256Hex(`owner\u0000${asked.principal.owner}`),
      r: await requestDigest(asked),
      e: this.#clock.now() + CONFIRMATION_TTL_MS,
      n: crypto.randomUUID(),
    };
    return {
      resultType: "input_required",
      inputRequests: {
        [CONFIRM_INPUT]: {
          method: "elicitation/create",
          params: {
            mode: "form",
            message: `${plan}\n\nAccept to go ahead; decline and nothing is booked.`,
            // Nothing to fill in: accepting is the confirmation.
            requestedSchema: { type: "object", properties: {} },
          },
        },
      },
      requestState: await this.#sign(payload),
    };
  }

  /** Verifies a presented state against the request it came back on, and reads the user's answer. */
  async answer(asked: Asked, requestState: unknown, inputResponses: unknown): Promise<Answer> {
    if (typeof requestState !== "string") throw new StateRefused("requestState must be a string");
    const payload = await this.#verified(requestState);
    if (payload.e <= this.#clock.now()) {
      throw new StateRefused("the confirmation has expired; call the tool again to be asked afresh");
    }
    if (payload.o !== (await sha256Hex(`owner\u0000${asked.principal.owner}`))) {
      throw new StateRefused("requestState was issued to another caller");
    }
    if (payload.r !== (await requestDigest(asked))) {
      throw new StateRefused("requestState was issued for a different tool call (tool or arguments differ)");
    }
    const response = isJsonObject(inputResponses) ? inputResponses[CONFIRM_INPUT] : undefined;
    if (!isJsonObject(response)) return { kind: "unanswered" };
    if (response.action === "accept") {
      return { kind: "accepted", idempotencyKey: asked.idempotencyKey ?? `confirmed:${payload.n}` };
    }
    if (response.action === "decline" || response.action === "cancel") {
      return { kind: "declined", action: response.action };
    }
    return { kind: "unanswered" };
  }

  async #sign(payload: StatePayload): Promise<string> {
    const body = base64url(new TextEncoder().encode(JSON.stringify(payload)));
    const mac = await crypto.subtle.sign("HMAC", await this.#hmacKey(), new TextEncoder().encode(body));
    return `${body}.${base64url(new Uint8Array(mac))}`;
  }

  async #verified(state: string): Promise<StatePayload> {
    const [body, mac, extra] = state.split(".");
    if (!body || !mac || extra !== undefined) throw new StateRefused("requestState is malformed");
    const valid = await crypto.subtle.verify(
      "HMAC",
      await this.#hmacKey(),
      Buffer.from(mac, "base64url"),
      new TextEncoder().encode(body),
    );
    // Also a mac whose base64url decodes loosely: only the exact text we signed verifies.
    if (!valid || base64url(Buffer.from(mac, "base64url")) !== mac) {
      throw new StateRefused("requestState failed its integrity check");
    }
    const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as StatePayload;
    if (payload.v !== STATE_VERSION) throw new StateRefused("requestState is of an unknown version");
    return payload;
  }

  #hmacKey(): Promise<CryptoKey> {
    this.#key ??= this.#secret().then((secret) =>
      crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign", "verify"],
      ),
    );
    // A failed load is not kept: the next request tries again.
    this.#key.catch(() => {
      this.#key = undefined;
    });
    return this.#key;
  }
}

function requestDigest(asked: Asked): Promise<string> {
  return sha256Hex(
    canonicalJson({
      tool: asked.definition.name,
      arguments: asked.args,
      idempotencyKey: asked.idempotencyKey ?? null,
    }),
  );
}
