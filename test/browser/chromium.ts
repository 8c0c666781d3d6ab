import { existsSync } from "node:fs";

/**
 * A Chromium for the browser tests: CHROMIUM_PATH, else the system's (Debian's `chromium` package; `.ci/run`
 * installs it). No download: a test tool's own browser download does not work everywhere this project is tested.
 */
export function chromiumPath(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome-stable",
    "/usr/bin/google-chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  ];
  return candidates.find((path): path is string => typeof path === "string" && existsSync(path));
}

/** Under CI a missing browser is a failure, never a skip. */
export const UNDER_CI = Boolean(process.env.CI);

export const NO_BROWSER_MESSAGE =
  "No Chromium found (set CHROMIUM_PATH, or install Debian's chromium package: apt-get install -y chromium): " +
  "the console's browser tests are skipped.";
