import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { nixEvalJson, nixMissingReason } from "./nix-tool.ts";

// NIXPKGS_LIB: a nixpkgs `lib` directory, or a checkout that has one (nixpkgs, nix-community/nixpkgs.lib).
export const nixpkgsLib = (() => {
  const dir = process.env.NIXPKGS_LIB;
  if (!dir) return null;
  return existsSync(join(dir, "default.nix")) ? resolve(dir) : resolve(dir, "lib");
})();
const skipReason =
  nixMissingReason ??
  (nixpkgsLib === null
    ? "NIXPKGS_LIB is not set: point it at a nixpkgs lib directory (e.g. a copy of nix-community/nixpkgs.lib) to evaluate the module"
    : null);

/** Skips the test unless Nix and a nixpkgs lib are there to evaluate modules with. */
export const skipUnlessLib = (ctx: { skip: (condition: boolean, note?: string) => void }) =>
  ctx.skip(skipReason !== null, skipReason ?? "");

/** Evaluates a test/nix/*.nix harness that takes `nixpkgsLib`, with more string arguments. */
export async function evalHarness(file: string, args: Record<string, string>): Promise<unknown> {
  // --readonly-mode: Nix paths are named, not copied, so no writable store is needed.
  const argv = [
    "--readonly-mode",
    join(import.meta.dirname, file),
    "--argstr",
    "nixpkgsLib",
    nixpkgsLib ?? "",
  ];
  for (const [name, value] of Object.entries(args)) argv.push("--argstr", name, value);
  return nixEvalJson(argv);
}

export interface CloudInstanceEval {
  failedAssertions: string[];
  hostName: string;
  claude: { isNormalUser: boolean; home: string; extraGroups: string[]; authorizedKeys: string[] };
  sudoWheelNeedsPassword: boolean;
  sudo: Record<string, unknown>;
  guestUsers: Record<string, { isNormalUser: boolean; extraGroups: string[]; authorizedKeys: string[] }>;
  claudeHomeMode: string | null;
  groups: string[];
  openssh: {
    enable: boolean;
    settings: Record<string, unknown>;
    authorizedKeysFiles: string[];
    hostKeys: unknown[];
  };
  etc: Record<string, string>;
  motdFile: string;
  seedFiles: Record<string, string>;
  tmpfiles: string[];
  packages: string[];
  /** The login shell's start-up text (environment.loginShellInit). */
  loginShellInit: string;
  rootPackages: { name: string; text: string }[];
  timeLeftScript: string;
  unfreeAllowed: Record<string, boolean>;
  nixSettings: { "experimental-features": string[] };
  /** Each registry entry's flake, by its outPath. */
  registry: Record<string, { flake: string | null }>;
  nixPath: string[];
  nixpkgsFlake: Record<string, unknown>;
  services: Record<string, Record<string, unknown>>;
}

/**
 * services.cloudInstance with these values (and optional further NixOS settings), as module-eval.nix prints it;
 * `nixpkgsFlakePath` gives it a stand-in nixpkgs flake with that outPath.
 */
export async function evaluateCloudInstance(
  instance: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  nixpkgsFlakePath = "",
): Promise<CloudInstanceEval> {
  return (await evalHarness("module-eval.nix", {
    instanceJson: JSON.stringify(instance),
    extraJson: JSON.stringify(extra),
    nixpkgsFlakePath,
  })) as CloudInstanceEval;
}
