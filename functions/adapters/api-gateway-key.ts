import type { Authenticator, Principal } from "../core/ports.ts";

/** The header the edge sets to the API key id API Gateway validated; a client's own copy is dropped. */
export const API_KEY_ID_HEADER = "x-rez-api-key-id";

/**
 * On AWS, API Gateway checks the key (and its usage plan) before the front runs; the edge passes the key's id on,
 * and it becomes the owner of the caller's records.
 */
export class ApiGatewayKeyAuthenticator implements Authenticator {
  async authenticate(request: Request): Promise<Principal | undefined> {
    const owner = request.headers.get(API_KEY_ID_HEADER);
    return owner ? { owner } : undefined;
  }
}
