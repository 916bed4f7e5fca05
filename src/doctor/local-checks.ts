import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Config, SETTING_NAMES } from "../config.ts";
import { Store } from "../core/store/store.ts";
import { installerProblems, operatorKeyProblems } from "../preflight.ts";
import { type CheckResult, fail, ok, warn } from "./check.ts";

/** Settings that parse, and no `CCC_*` name ccc does not know (a typo silently leaves the default). */
export function settingsCheck(
  env: Record<string, string | undefined>,
  problems: readonly string[],
): CheckResult {
  if (problems.length > 0) return fail("settings", problems.join("; "));
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith("CCC_") && !SETTING_NAMES.includes(name))
    .sort();
  if (unknown.length > 0) {
    const named = unknown.map((name) => {
      const near = closest(name);
      return near ? `${name} (did you mean ${near}?)` : name;
    });
    return warn(
      "settings",
      `unknown setting${unknown.length === 1 ? "" : "s"}, ignored: ${named.join(", ")}`,
    );
  }
  return ok("settings", "every CCC_* setting is known and parses");
}

/** The known name nearest to `name` by edit distance, when near enough to be a typo. */
function closest(name: string): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const known of SETTING_NAMES) {
    const distance = editDistance(name, known);
    if (!best || distance < best.distance) best = { name: known, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 4)) ? best.name : null;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost);
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** nixos-anywhere on PATH (or where CCC_NIXOS_ANYWHERE says), and the operator's key pair. */
export function installerCheck(config: Config): CheckResult {
  const found = installerProblems(config).filter((p) => p.startsWith("CCC_NIXOS_ANYWHERE"));
  const key = config.operator.sshKey ? operatorKeyProblems(config) : ["CCC_OPERATOR_SSH_KEY is not set"];
  const problems = [...found, ...key];
  if (problems.length > 0) return fail("installer", problems.join("; "));
  return ok("installer", `${config.installer.command} found; operator key ${config.operator.sshKey}`);
}

/** The project flake is there; without its lock file every install resolves its inputs anew. */
export function flakeCheck(config: Config): CheckResult {
  const { flakeDir } = config.paths;
  const problems = installerProblems(config).filter((p) => !p.startsWith("CCC_NIXOS_ANYWHERE"));
  if (problems.length > 0) return fail("flake", problems.join("; "));
  if (!existsSync(join(flakeDir, "flake.lock"))) {
    return warn(
      "flake",
      `no flake.lock in ${flakeDir}: each install resolves the inputs anew; run \`nix flake lock ${flakeDir}\` before any provision`,
    );
  }
  return ok("flake", `${flakeDir}/flake.nix, locked`);
}

/** The database takes writes and its schema is this ccc's. */
export function databaseCheck(config: Config): CheckResult {
  const path = config.paths.db;
  const health = Store.inspect(path);
  if (!health.exists) {
    return warn("database", `no database at ${path} yet: \`ccc init\` or the bot's first start creates it`);
  }
  if (!health.writable) return fail("database", `${path} does not take writes: ${health.problem}`);
  const { version, latest } = health;
  if (version > latest) {
    return fail(
      "database",
      `${path} is at schema version ${version}, newer than this ccc (${latest}): upgrade ccc`,
    );
  }
  if (version < latest) {
    return warn(
      "database",
      `${path} is at schema version ${version}, this ccc needs ${latest}: run \`ccc migrate\` (the bot migrates at its start)`,
    );
  }
  return ok("database", `${path} takes writes, schema version ${version} (current)`);
}
