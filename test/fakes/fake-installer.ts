// A real executable standing in for nixos-anywhere (fake-nixos-anywhere.mjs behind a small shell
// wrapper that points it at its own folder), so ccc runs it exactly as it runs the real one.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "fake-nixos-anywhere.mjs");

export interface InstallerCall {
  argv: string[];
  /** The names of the variables in the installer's environment (values are never recorded). */
  envNames: string[];
  /** The instance.json text the flake held when the installer ran. */
  instanceJson: string | null;
  flakeNix: string | null;
  /** The --extra-files tree as the installer saw it (`""` is its top folder); null without one. */
  extraFiles: { path: string; dir: boolean; mode: string }[] | null;
}

export interface FakeInstaller {
  /** Path of the executable: give it to ccc as CCC_NIXOS_ANYWHERE. */
  path: string;
  /** `held`: each run waits (after its output) until `release()`, then exits as told. */
  behave(behavior: {
    exitCode?: number;
    sleepMs?: number;
    held?: boolean;
    output?: string;
    errorOutput?: string;
  }): void;
  /** Lets held runs finish. */
  release(): void;
  calls(): InstallerCall[];
  /** Where the extra files for the machine at `host` landed: its "root" (empty folder when none came). */
  targetRoot(host: string): string;
}

export function createFakeInstaller(dir: string): FakeInstaller {
  const path = join(dir, "nixos-anywhere");
  writeFileSync(
    path,
    `#!/bin/sh\nFAKE_NIXOS_ANYWHERE_DIR='${dir}' exec '${process.execPath}' '${SCRIPT}' "$@"\n`,
  );
  chmodSync(path, 0o755);
  return {
    path,
    behave: (behavior) => writeFileSync(join(dir, "behavior.json"), JSON.stringify(behavior)),
    targetRoot: (host) => join(dir, "targets", host),
    release: () => writeFileSync(join(dir, "released"), ""),
    calls: () => {
      const file = join(dir, "calls.jsonl");
      if (!existsSync(file)) return [];
      return readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as InstallerCall);
    },
  };
}
