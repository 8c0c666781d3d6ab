import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const CORE = new URL("../../functions/core/", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g,
  )) {
    found.push(match[1] ?? match[2] ?? match[3] ?? "");
  }
  return found;
}

const FORBIDDEN_IMPORT =
  /^(node:|@aws-sdk\/|aws-cdk-lib|constructs$|@aws-lambda-powertools\/|(fs|path|http|https|crypto|os|child_process|net|stream)$)/;

describe("functions/core layering", () => {
  const files = sources(CORE);

  it("has modules to check", () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((file) => [relative(CORE, file), file]))(
    "%s imports no AWS or Node-only module",
    (_, file) => {
      const bad = specifiers(readFileSync(file, "utf8")).filter((s) => FORBIDDEN_IMPORT.test(s));
      expect(bad).toEqual([]);
    },
  );

  it.each(files.map((file) => [relative(CORE, file), file]))("%s does not read process.env", (_, file) => {
    expect(readFileSync(file, "utf8")).not.toMatch(/process\s*\.\s*env|process\s*\[/);
  });

  it.each(files.map((file) => [relative(CORE, file), file]))(
    "%s names executions neutrally: no ARN or console URL in its code (the adapters' words)",
    (_, file) => {
      // Comments may say what an id is on AWS; code may not depend on it.
      const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      expect(code).not.toMatch(/\w+Arn\b|\bArn\w*|consoleUrl\(|console\.aws|amazonaws/);
    },
  );

  it("detects a forbidden import in a sample (the check itself works)", () => {
    const sample = 'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nimport x from "node:fs";';
    expect(specifiers(sample).filter((s) => FORBIDDEN_IMPORT.test(s))).toEqual([
      "@aws-sdk/client-dynamodb",
      "node:fs",
    ]);
  });
});
