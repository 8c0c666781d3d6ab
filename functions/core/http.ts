/** A JSON response with the headers every answer of ours carries. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

/** A JSON-RPC result already written as JSON text (a constant answer, serialised once): only the id goes in. */
export function jsonRpcResultText(
  id: unknown,
  resultJson: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`, {
    status: 200,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * The schemes a request was served over: its URL's (https on Lambda), and the one a TLS proxy in front says
 * (x-forwarded-proto) when it says one. The console's cookie is Secure, and its own origin https, by these.
 */
export function servedSchemes(request: Request): string[] {
  const schemes = [new URL(request.url).protocol.slice(0, -1)];
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  if (forwarded && !schemes.includes(forwarded)) schemes.push(forwarded);
  return schemes;
}

/** A plain HTTP error: `{ error: { code, message } }`, never a stack trace. */
export function httpError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  return jsonResponse(status, { error: { code, message } }, headers);
}

/** A JSON-RPC error response with the HTTP status the transport gives it, and `data` when there is any. */
export function jsonRpcFailure(
  status: number,
  id: string | number | null,
  code: number,
  message: string,
  data?: unknown,
): Response {
  const error = data === undefined ? { code, message } : { code, message, data };
  return jsonResponse(status, { jsonrpc: "2.0", id, error });
}

/** A JSON-RPC error that is not tied to a request id (parse errors, invalid envelopes). */
export function jsonRpcError(status: number, code: number, message: string): Response {
  return jsonRpcFailure(status, null, code, message);
}

/** A JSON-RPC error answering one request (HTTP 200, as the transport answers request errors). */
export function jsonRpcResponseError(id: string | number, code: number, message: string): Response {
  return jsonRpcFailure(200, id, code, message);
}

export type BodyRead = { ok: true; text: string } | { ok: false; reason: "too-large" };

/** Reads a request body, giving up as soon as it passes `limit` bytes (the declared length is not trusted). */
export async function readBody(request: Pick<Request, "headers" | "body">, limit: number): Promise<BodyRead> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await request.body?.cancel().catch(() => {});
    return { ok: false, reason: "too-large" };
  }
  if (!request.body) return { ok: true, text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, reason: "too-large" };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, text: new TextDecoder().decode(bytes) };
}

/** True for `application/json`, with or without parameters such as charset. */
export function isJsonContentType(value: string | null): boolean {
  return value?.split(";")[0]?.trim().toLowerCase() === "application/json";
}
