/** The names of this machine: a URL's hostname ("[::1]") or a bind address ("::1"). */
export const LOOPBACK_HOSTNAMES: readonly string[] = ["127.0.0.1", "localhost", "[::1]"];

/** Whether a hostname or bind address is this machine (where plain http and turning auth off are safe). */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTNAMES.includes(host) || host === "::1";
}
