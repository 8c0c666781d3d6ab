/**
 * What a request without a key, or with one this server does not know, is told, with 403 (front.ts says why not
 * 401). `either` is API Gateway's, which cannot tell the two apart.
 */
export const KEY_MESSAGES = {
  missing: "No API key: send your key in the x-api-key header.",
  wrong:
    "Wrong API key: the key sent in x-api-key is not one this server knows. Check it, or ask the server's operator for one.",
  either:
    "Missing or wrong API key: send a key this server knows in the x-api-key header. Check it, or ask the server's operator for one.",
};

/** The body of that 403, the same from the front and from API Gateway's gateway response. */
export const keyRefusalBody = (message: string) => ({ error: { code: "forbidden", message } });
