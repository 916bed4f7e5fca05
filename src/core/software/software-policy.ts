import { UserError } from "../errors.ts";

/** One package on the admin's curated list, with the words the modal shows for it. */
export interface CuratedPackage {
  /** A nixpkgs attribute path, like `python3`. */
  name: string;
  label: string;
}

/** What the admin allows people to add to their machines (CCC_PACKAGES…, CCC_ALLOW_UNFREE). */
export interface SoftwarePolicy {
  curated: CuratedPackage[];
  /** Other nixpkgs names besides the curated ones may be asked for. */
  freeText: boolean;
  /** Names (or attribute sets, like `python3Packages`) nobody may ask for. */
  deny: string[];
  /** Unfree packages may be built; otherwise Nix refuses them, naming the licence. */
  allowUnfree: boolean;
}

export const DEFAULT_CURATED_PACKAGES =
  "python3=Python 3,go=Go,rustc=Rust compiler,cargo=Cargo (Rust),gcc=GCC,gnumake=GNU Make," +
  "postgresql=PostgreSQL,sqlite=SQLite,redis=Redis,jq=jq,uv=uv (Python packages)";

/**
 * Every name a person may ask for has this form: an attribute path of Nix identifiers (each part starts
 * with a letter or `_`), so never Nix source, a flag (`-rf`) or a number.
 */
export const PACKAGE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
export const MAX_PACKAGES = 20;
const MAX_NAME_LENGTH = 100;

/** Used where no policy was given (tests, older callers): the default list, free text, nothing denied. */
export const DEFAULT_SOFTWARE_POLICY: SoftwarePolicy = {
  curated: parseCuratedList(DEFAULT_CURATED_PACKAGES),
  freeText: true,
  deny: [],
  allowUnfree: false,
};

/**
 * Reads `name=Label,name=Label` (a bare `name` is its own label). Throws a UserError naming the
 * first entry that is not a nixpkgs attribute name, or a name given twice.
 */
export function parseCuratedList(text: string): CuratedPackage[] {
  const entries: CuratedPackage[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const at = entry.indexOf("=");
    const name = (at < 0 ? entry : entry.slice(0, at)).trim();
    const label = (at < 0 ? name : entry.slice(at + 1)).trim() || name;
    if (!PACKAGE_NAME.test(name) || name.length > MAX_NAME_LENGTH) {
      throw new UserError(`"${clip(name)}" is not a nixpkgs attribute name`);
    }
    if (entries.some((e) => e.name === name)) throw new UserError(`${name} is listed twice`);
    entries.push({ name, label });
  }
  if (entries.length > 100) throw new UserError("at most 100 packages (Slack lists no more)");
  return entries;
}

/** The admin's rules from the deps. */
export function softwarePolicyOf(deps: { software: SoftwarePolicy }): SoftwarePolicy {
  return deps.software;
}

export function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
