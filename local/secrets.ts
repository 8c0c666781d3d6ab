import { readFile, stat } from "node:fs/promises";
import {
  mergeSecrets,
  parseSecretsDocument,
  type SecretsDocument,
  secretsFromEnvironment,
} from "../functions/core/secrets.ts";

/** A secrets file that may not be used as it is; the message says what to do. */
export class UnsafeSecretsFile extends Error {
  override readonly name = "UnsafeSecretsFile";
}

/**
 * The local secrets: the file (if any) overlaid with the environment. The file must be a regular file readable
 * by its owner alone (mode 0600 or stricter); anything else refuses to start, since the file holds passwords.
 */
export async function loadLocalSecrets(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  options: { required?: boolean } = {},
): Promise<SecretsDocument> {
  let fromFile: SecretsDocument = {};
  if (file) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && !options.required) {
        return secretsFromEnvironment(env);
      }
      throw new UnsafeSecretsFile(`Cannot read the secrets file ${file}: ${(error as Error).message}`);
    }
    if (!info.isFile()) throw new UnsafeSecretsFile(`The secrets file ${file} is not a regular file.`);
    const mode = info.mode & 0o777;
    if (process.platform !== "win32" && (mode & 0o077) !== 0) {
      throw new UnsafeSecretsFile(
        `The secrets file ${file} can be read by other users (mode ${mode.toString(8).padStart(4, "0")}). ` +
          `Run: chmod 600 ${file}`,
      );
    }
    try {
      fromFile = parseSecretsDocument(JSON.parse(await readFile(file, "utf8")));
    } catch (error) {
      // The parser's messages name fields, never values; JSON.parse's may quote the text, so it is not shown.
      const reason = error instanceof SyntaxError ? "it is not valid JSON" : (error as Error).message;
      throw new UnsafeSecretsFile(`The secrets file ${file} cannot be used: ${reason}.`);
    }
  }
  return mergeSecrets(fromFile, secretsFromEnvironment(env));
}
