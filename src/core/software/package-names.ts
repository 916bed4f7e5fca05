import { UserError } from "../errors.ts";
import { deniedBy, packageSetEscape } from "./package-path.ts";
import { clip, MAX_PACKAGES, PACKAGE_NAME, type SoftwarePolicy } from "./software-policy.ts";

const FIELD = "packages";

/** Names as a person gives them: a list, or one text with commas or spaces between names. */
export function splitPackageNames(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = typeof value === "string" ? value.split(/[\s,]+/) : value.flatMap((v) => v.split(/[\s,]+/));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/**
 * Checks the extra software a person asked for, before anything is spent: each name a nixpkgs
 * attribute path inside nixpkgs' own package set, at most 20, none twice, none that names something on
 * the admin's deny list (by any path: `python3.pkgs.numpy` is `python3Packages.numpy`), and names off the curated
 * list only when the admin allows free text. The first problem is a UserError naming the bad name.
 * Whether nixpkgs has the package is for Nix to say (the module's assertion, ccc-apply's report).
 */
export function checkPackageNames(names: readonly string[], policy: SoftwarePolicy): string[] {
  for (const name of names) {
    if (!PACKAGE_NAME.test(name) || name.length > 100) {
      throw new UserError(
        `"${clip(name)}" is not a nixpkgs package name: each part starts with a letter or _, then letters, digits, _ and -, joined by dots (like python3 or python3Packages.numpy).`,
        { field: FIELD, code: "bad_package_name" },
      );
    }
    const leaves = packageSetEscape(name);
    if (leaves) {
      throw new UserError(
        `${name} reaches into another package set (${leaves}); name the package itself, like firefox or python3Packages.numpy.`,
        { field: FIELD, code: "package_set_escape" },
      );
    }
  }
  if (names.length > MAX_PACKAGES) {
    throw new UserError(`At most ${MAX_PACKAGES} extra packages (asked for ${names.length}).`, {
      field: FIELD,
      code: "too_many_packages",
    });
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new UserError(`${name} is asked for twice.`, { field: FIELD, code: "duplicate_package" });
    }
    seen.add(name);
  }
  for (const name of names) {
    const denied = deniedBy(name, policy.deny);
    if (denied) {
      throw new UserError(`${name} is not allowed here (the admin has ruled out ${denied}).`, {
        field: FIELD,
        code: "denied_package",
      });
    }
  }
  if (!policy.freeText) {
    const offered = policy.curated.map((p) => p.name);
    const other = names.find((name) => !offered.includes(name));
    if (other) {
      throw new UserError(
        `${other} is not on this workspace's list of extra software; choose from ${offered.join(", ") || "(none)"}.`,
        { field: FIELD, code: "package_not_offered" },
      );
    }
  }
  return [...names];
}

/** Splits and checks in one step: what the doors call with a person's raw input. */
export function parsePackageNames(
  value: string | readonly string[] | undefined,
  policy: SoftwarePolicy,
): string[] {
  return checkPackageNames(splitPackageNames(value), policy);
}
