import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, redact } from "../../functions/handlers/logging.ts";

const JWT =
  "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJnb2xmZXJJZCI6IjQwMTI3IiwiZW1haWwiOiJkZW1vQGV4YW1wbGUuY29tIn0.c2lnbmF0dXJl";

/** Every line the logger writes, captured from the streams Powertools writes to. */
function capture() {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
  }
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe("log redaction", () => {
  it("keeps passwords, tokens, emails and accounts out of every log line", () => {
    const lines = capture();
    const logger = createLogger("test");
    logger.info("signing in", {
      credentials: { username: "me@example.com", password: "hunter2", clientSecret: "cs-123" },
      access_token: JWT,
      headers: { authorization: `Bearer ${JWT}`, "x-websiteid": "site-1" },
      golfer: { email: "me@example.com", acct: "A-40127", golferId: 40127 },
      ntfyToken: "tk_abcdef",
    });
    logger.error("upstream failed", new Error(`request with Bearer ${JWT} refused`));
    const text = lines.join("");
    expect(text).toContain("signing in");
    expect(text).toContain("site-1");
    for (const secret of ["hunter2", "cs-123", "me@example.com", "A-40127", "tk_abcdef", JWT, "eyJ"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("[redacted]");
  });

  it.each([
    ["password", "pw", "[redacted]"],
    ["email", "a@b.c", "[redacted]"],
    ["message", `token ${JWT} here`, "token [redacted] here"],
    ["message", "Bearer abc.def", "[redacted]"],
    ["golferId", 40127, 40127],
    ["tool", "golf_book_tee_time", "golf_book_tee_time"],
  ])("redacts %s = %j to %j", (key, value, expected) => {
    expect(redact(key, value)).toEqual(expected);
  });
});
