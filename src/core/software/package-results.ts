import type { PackageResult } from "../instances/instance.ts";

/** A fresh install builds every extra into the system (or fails as a whole), so each one is there. */
export function builtIntoSystem(packages: readonly string[]): PackageResult[] {
  return packages.map((name) => ({ name, ok: true }));
}

/** The names that did not install, for the ready message and `status`. */
export function failedPackages(results: readonly PackageResult[] | null | undefined): PackageResult[] {
  return (results ?? []).filter((r) => !r.ok);
}

/** The names that are on the machine. */
export function installedPackages(results: readonly PackageResult[] | null | undefined): string[] {
  return (results ?? []).filter((r) => r.ok).map((r) => r.name);
}
