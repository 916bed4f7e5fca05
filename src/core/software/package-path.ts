// What a nixpkgs attribute path names, for the deny list: the same package can be reached by many paths
// (`python3.pkgs.numpy`, `python312Packages.numpy`), and some parts leave the package set for another
// one (`pkgsCross.…`, `buildPackages.…`, `pkgs.…`), where any name is reachable again.

/**
 * A part that leaves nixpkgs' own package set: the top level again (`pkgs`), a cross, static or other
 * platform's set (`pkgsCross`, `pkgsStatic`, `pkgsi686Linux`, `pkgsBuildHost`…), a splice
 * (`buildPackages`, `targetPackages`, `__splicedPackages`) or nixpkgs' internals (`__…`).
 * `pkgsite` (a Go tool) is a package, not a set: the pattern needs a capital, `i686` or `x86_64`.
 */
const ESCAPE_PART = /^(?:pkgs|pkgs(?:[A-Z]|i686|x86_64).*|(?:build|target|host)Packages|__.*)$/;

/** `python3.pkgs.numpy` is `python3Packages.numpy`: the one place `pkgs` is a part and not an escape. */
function interpreterSet(parts: readonly string[], set = false): string[] {
  const [head, second, ...rest] = parts;
  if (head && second === "pkgs" && !head.endsWith("Packages") && (set || rest.length > 0))
    return [`${head}Packages`, ...rest];
  return [...parts];
}

/**
 * Why a (syntactically valid) attribute path leaves the package set, or null. `python3.pkgs.x` is the
 * one `pkgs` allowed: the interpreter's own package set.
 */
export function packageSetEscape(name: string): string | null {
  const parts = interpreterSet(name.split("."));
  return parts.find((part) => ESCAPE_PART.test(part)) ?? null;
}

/** Every version of a versioned name, newest part last: `python312Packages` → `python3Packages`, `python3Packages`… */
function familyOf(part: string): string[] {
  const forms = new Set([part]);
  // nodejs_20, postgresql_16, go_1_22: the name without its version.
  const underscored = /^([A-Za-z][A-Za-z0-9-]*?)(?:_\d+)+(Packages)?$/.exec(part);
  const unversioned = underscored?.[1] ? `${underscored[1]}${underscored[2] ?? ""}` : part;
  forms.add(unversioned);
  // python312, python312Packages, gcc13, lua5: each shorter version (python31, python3) and none (python).
  const digits = /^([A-Za-z][A-Za-z-]*?)(\d+)(Packages)?$/.exec(unversioned);
  if (digits?.[1] && digits[2]) {
    const [, base, version, suffix = ""] = digits;
    for (let n = version.length - 1; n >= 0; n--) forms.add(`${base}${version.slice(0, n)}${suffix}`);
  }
  return [...forms];
}

/**
 * The attribute paths a name may stand for, each a list of parts: the name itself, with an
 * interpreter's `.pkgs` read as its `…Packages` set, and its first part in each of its version families.
 */
export function namedPaths(name: string): string[][] {
  const [head = "", ...rest] = interpreterSet(name.split("."));
  return familyOf(head).map((form) => [form, ...rest]);
}

/**
 * The deny entry that rules out `name`, or undefined. An entry rules out itself, everything under it
 * (`python3Packages` rules out `python3Packages.numpy`), every version of it (`python3Packages` also
 * rules out `python312Packages.numpy` and `python3.pkgs.numpy`) and, for a single name, that package
 * inside any set (`firefox` rules out `somePackages.firefox`).
 */
export function deniedBy(name: string, deny: readonly string[]): string | undefined {
  const paths = namedPaths(name);
  return deny.find((entry) => {
    const denied = interpreterSet(entry.split("."), true);
    return paths.some(
      (path) =>
        denied.every((part, i) => path[i] === part) ||
        (denied.length === 1 && path.length > 1 && path[path.length - 1] === denied[0]),
    );
  });
}
