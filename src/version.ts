import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./config.ts";

/** ccc's version, from package.json beside src/ and dist/; "unknown" when it cannot be read. */
export function cccVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}
