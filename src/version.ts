import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * ccc's version, from package.json beside src/ and dist/ (one small read, only when asked: `ccc
 * --version`, the bot's `ccc_build_info`). "unknown" when the file cannot be read.
 */
export function cccVersion(): string {
  try {
    const root = join(dirname(fileURLToPath(import.meta.url)), "..");
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown };
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}
