import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

// The lock pins every input; flake.nix says what is built from them. A change to either gives another system.
const FILES = ["flake.lock", "flake.nix"];

/** A short hash of the project flake a machine is built from: pool members of another hash are outdated. */
export async function projectFlakeHash(flakeDir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const name of FILES) {
    const content = await readFile(join(flakeDir, name)).catch(() => null);
    hash.update(`${name}\0${content === null ? "(none)" : content.length}\0`);
    if (content) hash.update(content);
  }
  return hash.digest("hex").slice(0, 16);
}
