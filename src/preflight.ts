import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import {
  type Config,
  ConfigError,
  fromRoot,
  missingForBot,
  missingForCloud,
  missingHetzner,
  readConfig,
} from "./config.ts";
import { flakePathProblem } from "./core/provision/instance-flake.ts";
import { parseSshPublicKey } from "./core/ssh-key/ssh-key.ts";

/** What an entry point is about to do, and so which settings and files it needs. */
export interface Needs {
  /** Hetzner's API settings only: a command that just reads from Hetzner (`ccc types`). */
  hetzner?: boolean;
  /** Hetzner and the operator's key: every command that creates, deletes or reaches machines. */
  cloud?: boolean;
  /** nixos-anywhere and the flake: anything that may provision. */
  installer?: boolean;
  /** The Slack side of the bot. */
  bot?: boolean;
}

/**
 * The settings for an entry point: parsed, then checked for what `needs` asks, against the file
 * system too. Every problem of every kind comes in one ConfigError, before anything is spent.
 */
export function loadConfig(env: Record<string, string | undefined>, needs: Needs): Config {
  const { config, problems } = checkConfig(env, needs);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * As `loadConfig`, without throwing: the settings (a value that does not parse is left at its
 * default) and every problem, for a caller that checks something else first.
 */
export function checkConfig(
  env: Record<string, string | undefined>,
  needs: Needs,
): { config: Config; problems: string[] } {
  const { config, problems } = readConfig(env);
  if (needs.bot) problems.push(...missingForBot(config));
  if (needs.cloud) problems.push(...missingForCloud(config), ...operatorKeyProblems(config));
  else if (needs.hetzner) problems.push(...missingHetzner(config));
  if (needs.installer) problems.push(...installerProblems(config));
  return { config, problems };
}

/** The operator's key pair must be there and its public half usable (it is uploaded to Hetzner). */
export function operatorKeyProblems(config: Config): string[] {
  const key = config.operator.sshKey;
  if (!key) return [];
  if (!existsSync(key)) return [`CCC_OPERATOR_SSH_KEY: no file at ${key}`];
  if (!existsSync(`${key}.pub`)) return [`CCC_OPERATOR_SSH_KEY: no public key at ${key}.pub beside it`];
  try {
    parseSshPublicKey(readFileSync(`${key}.pub`, "utf8"));
    return [];
  } catch (error) {
    return [`CCC_OPERATOR_SSH_KEY: ${key}.pub is not a usable public key: ${(error as Error).message}`];
  }
}

/**
 * What would make every provision fail after its server was created (and paid for): no installer,
 * no project flake, or paths a `path:` flake URL cannot carry. Checked before anything is spent.
 */
export function installerProblems(config: Config): string[] {
  const problems: string[] = [];
  const { command, searchPath } = config.installer;
  if (!findExecutable(command, searchPath)) {
    problems.push(
      `CCC_NIXOS_ANYWHERE: ${command} is not an executable${command.includes("/") ? "" : " on PATH"}: enter \`nix develop ./nix\` (it provides nixos-anywhere) or set CCC_NIXOS_ANYWHERE to its path`,
    );
  }
  const { flakeDir, dataDir } = config.paths;
  if (!existsSync(join(flakeDir, "flake.nix"))) problems.push(`CCC_FLAKE_DIR: no flake.nix in ${flakeDir}`);
  for (const [name, path] of [
    ["CCC_FLAKE_DIR", flakeDir],
    ["CCC_DB_PATH", dataDir],
  ] as const) {
    const problem = flakePathProblem(path);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return problems;
}

function findExecutable(command: string, searchPath = ""): string | null {
  const candidates = command.includes("/")
    ? [fromRoot(command)]
    : searchPath
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}
