/**
 * Tokens the server signs and later reads back (a round's requestState, a console session): a JSON payload,
 * base64url, a dot, an HMAC-SHA256 of that text. One secret serves every purpose, each with its own key derived
 * from it, so a token made for one purpose never verifies for another.
 */

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** Why a token did not open. */
export type Unopened = "malformed" | "forged";

export class TokenSigner {
  readonly #secret: () => Promise<string>;
  readonly #purpose: string | undefined;
  #key: Promise<CryptoKey> | undefined;

  /** `purpose` absent: the secret itself is the key (the requestState tokens issued before purposes existed). */
  constructor(secret: () => Promise<string>, purpose?: string) {
    this.#secret = secret;
    this.#purpose = purpose;
  }

  async sign(payload: object): Promise<string> {
    const body = base64url(new TextEncoder().encode(JSON.stringify(payload)));
    return `${body}.${await this.mac(body)}`;
  }

  /** The payload of a token this signer made, or why not. */
  async open<Payload>(token: string): Promise<{ payload: Payload } | { refused: Unopened }> {
    const [body, mac, extra] = token.split(".");
    if (!body || !mac || extra !== undefined) return { refused: "malformed" };
    const valid = await crypto.subtle.verify(
      "HMAC",
      await this.#hmacKey(),
      Buffer.from(mac, "base64url"),
      new TextEncoder().encode(body),
    );
    // Only the exact text we signed verifies, not another spelling of the same bytes.
    if (!valid || base64url(Buffer.from(mac, "base64url")) !== mac) return { refused: "forged" };
    try {
      return { payload: JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Payload };
    } catch {
      return { refused: "malformed" };
    }
  }

  /** The MAC of any text under this signer's key (base64url). */
  async mac(text: string): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await this.#hmacKey(), new TextEncoder().encode(text));
    return base64url(new Uint8Array(mac));
  }

  #hmacKey(): Promise<CryptoKey> {
    this.#key ??= this.#secret().then(async (secret) => {
      const raw = new TextEncoder().encode(secret);
      const key: Uint8Array<ArrayBuffer> = this.#purpose === undefined ? raw : await hmac(raw, this.#purpose);
      return crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify",
      ]);
    });
    // A failed load is not kept: the next request tries again.
    this.#key.catch(() => {
      this.#key = undefined;
    });
    return this.#key;
  }
}

async function hmac(key: Uint8Array<ArrayBuffer>, text: string): Promise<Uint8Array<ArrayBuffer>> {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, new TextEncoder().encode(text)));
}
