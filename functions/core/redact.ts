/** What replaces a secret wherever one would have appeared. */
export const REDACTED = "[redacted]";

/** Values that are secrets whatever their context: JWTs and bearer credentials. */
const SECRET_PATTERNS = [
  /\beyJ[\w-]+\.[\w-]*\.[\w-]*/g, // a JWT (header.payload.signature)
  /\bBearer\s+[\w.~+/=-]+/gi,
];

/** Shorter values are too likely to be ordinary words to cut out of text. */
const SHORTEST_KNOWN_SECRET = 4;

/** A base64 run this short could be anything's: a secret's own characters are cut out only when longer. */
const SHORTEST_BASE64_RUN = 6;

/**
 * The base64 and base64url characters that encode `value` wherever it sits in what was encoded ("Bearer " before
 * it, a JSON document around it): for each of the three alignments, the characters made of the value's bits alone.
 */
function base64Runs(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const runs: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const shifted = new Uint8Array(offset + bytes.length);
    shifted.set(bytes, offset);
    const encoded = btoa(Array.from(shifted, (byte) => String.fromCharCode(byte)).join(""));
    const run = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    if (run.length < SHORTEST_BASE64_RUN) continue;
    runs.push(run, run.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return runs;
}

/**
 * Text with every secret cut out: the `known` values (a token, a password, a topic: what this server sent and an
 * upstream may quote back), and anything shaped like a JWT or a bearer credential. The one redaction the server
 * uses, for upstream text before it reaches a result, a record or an event, and for every log line.
 */
export function redactText(text: string, known: readonly (string | undefined)[] = []): string {
  let redacted = text;
  const values = known
    .filter((value): value is string => typeof value === "string" && value.length >= SHORTEST_KNOWN_SECRET)
    .sort((a, b) => b.length - a.length);
  for (const value of values) redacted = redacted.split(value).join(REDACTED);
  // An upstream may quote a form-encoded, JSON-escaped or base64 copy of what it was sent (an Authorization
  // header's, whole).
  for (const value of values) {
    const forms = [
      encodeURIComponent(value),
      new URLSearchParams({ v: value }).toString().slice(2),
      JSON.stringify(value).slice(1, -1),
      ...base64Runs(value),
    ];
    for (const encoded of forms) {
      if (encoded !== value) redacted = redacted.split(encoded).join(REDACTED);
    }
  }
  return SECRET_PATTERNS.reduce((current, pattern) => current.replace(pattern, REDACTED), redacted);
}
