import { describe, expect, it } from "vitest";
import { parseConfig, readConfig } from "../../src/config.ts";
import type { UserError } from "../../src/core/errors.ts";
import { checkPackageNames, parsePackageNames } from "../../src/core/software/package-names.ts";
import { DEFAULT_SOFTWARE_POLICY, type SoftwarePolicy } from "../../src/core/software/software-policy.ts";

const policy: SoftwarePolicy = { ...DEFAULT_SOFTWARE_POLICY, deny: ["python2", "python3Packages"] };

function refusal(names: string[], p: SoftwarePolicy = policy): UserError {
  try {
    checkPackageNames(names, p);
  } catch (error) {
    return error as UserError;
  }
  throw new Error(`accepted ${JSON.stringify(names)}`);
}

describe("extra package names", () => {
  it("accepts curated and free-text attribute paths, split by commas or spaces", () => {
    expect(parsePackageNames("python3, go  htop,perlPackages.JSON", policy)).toEqual([
      "python3",
      "go",
      "htop",
      "perlPackages.JSON",
    ]);
    expect(parsePackageNames(undefined, policy)).toEqual([]);
    expect(parsePackageNames(["jq", "gcc"], policy)).toEqual(["jq", "gcc"]);
  });

  it("refuses anything that is not an attribute path, naming it, so no Nix source can get through", () => {
    for (const bad of [
      "python3;rm",
      `"$\{builtins.readFile /etc/shadow}"`,
      "a..b",
      ".python3",
      "python3.",
      "nixpkgs#go",
      "pkgs: pkgs.go",
      "ünicode",
      "x".repeat(101),
    ]) {
      const error = refusal([bad]);
      expect(error.code, bad).toBe("bad_package_name");
      expect(error.field).toBe("packages");
      expect(error.message).toContain(bad.slice(0, 40));
    }
    expect(() => parsePackageNames("go pkgs.go;x", policy)).toThrow(
      /"pkgs.go;x" is not a nixpkgs package name/,
    );
  });

  it("refuses more than 20, a name twice, and the admin's denied names and sets", () => {
    const many = Array.from({ length: 21 }, (_, i) => `pkg${i}`);
    expect(refusal(many)).toMatchObject({
      code: "too_many_packages",
      message: expect.stringContaining("21"),
    });
    expect(checkPackageNames(many.slice(0, 20), policy)).toHaveLength(20);
    expect(refusal(["go", "jq", "go"])).toMatchObject({
      code: "duplicate_package",
      message: "go is asked for twice.",
    });
    expect(refusal(["python2"])).toMatchObject({ code: "denied_package" });
    expect(refusal(["python3Packages.numpy"]).message).toContain("python3Packages.numpy is not allowed");
    expect(checkPackageNames(["python3"], policy)).toEqual(["python3"]);
  });

  it("resolves an attribute path to what it names before the deny check (issue 20, finding 9)", () => {
    const deny = { ...DEFAULT_SOFTWARE_POLICY, deny: ["firefox", "python3Packages"] };
    for (const name of [
      "python3.pkgs.numpy",
      "python312Packages.numpy",
      "python312.pkgs.numpy",
      "python3Packages.numpy",
      "someSet.firefox",
    ]) {
      expect(refusal([name], deny).code, name).toBe("denied_package");
    }
    expect(refusal(["python312Packages.numpy"], deny).message).toBe(
      "python312Packages.numpy is not allowed here (the admin has ruled out python3Packages).",
    );
    expect(checkPackageNames(["python3", "firefox-esr", "python3Packages2"], deny)).toHaveLength(3);
  });

  it("refuses paths that leave nixpkgs' package set, denied or not (issue 20, finding 9)", () => {
    const deny = { ...DEFAULT_SOFTWARE_POLICY, deny: ["firefox", "python3Packages"] };
    for (const name of [
      "pkgs.firefox",
      "buildPackages.firefox",
      "pkgsCross.aarch64-multiplatform.firefox",
      "pkgsStatic.hello",
      "pkgsi686Linux.hello",
      "targetPackages.hello",
      "python3Packages.pkgs.firefox",
      "python3.pkgs.pkgs.firefox",
      "python3Packages.python.pkgs.numpy",
      "__splicedPackages.firefox",
    ]) {
      const error = refusal([name], deny);
      expect(error.code, name).toBe("package_set_escape");
      expect(error.field).toBe("packages");
    }
    expect(refusal(["pkgs.hello"]).message).toMatch(/^pkgs.hello reaches into another package set \(pkgs\)/);
    expect(checkPackageNames(["pkgsite", "python3.pkgs.requests"], DEFAULT_SOFTWARE_POLICY)).toEqual([
      "pkgsite",
      "python3.pkgs.requests",
    ]);
  });

  it("takes names as Nix identifiers: each part starts with a letter or _ (issue 20, finding 9)", () => {
    for (const bad of ["-rf", "--impure", "python3Packages.-x", "3proxy", "python3Packages.2captcha"]) {
      expect(refusal([bad]).code, bad).toBe("bad_package_name");
    }
    expect(checkPackageNames(["_0x0", "nodejs_20", "firefox-esr"], policy)).toHaveLength(3);
  });

  it("allows only the curated list when free text is off", () => {
    const curatedOnly = { ...policy, freeText: false };
    expect(checkPackageNames(["python3", "go"], curatedOnly)).toEqual(["python3", "go"]);
    const error = refusal(["htop"], curatedOnly);
    expect(error).toMatchObject({ code: "package_not_offered" });
    expect(error.message).toMatch(
      /^htop is not on this workspace's list of extra software; choose from python3, go/,
    );
  });
});

describe("the extra-software settings", () => {
  it("default to a developer list with labels, free text on, nothing denied, no unfree", () => {
    const { software } = parseConfig({});
    expect(software.curated.map((p) => p.name)).toEqual(
      expect.arrayContaining(["python3", "go", "rustc", "cargo", "gcc", "postgresql", "jq"]),
    );
    expect(software.curated.find((p) => p.name === "python3")?.label).toBe("Python 3");
    expect(software).toMatchObject({ freeText: true, deny: [], allowUnfree: false });
  });

  it("reads the operator's list, flags and deny list", () => {
    const { software } = parseConfig({
      CCC_PACKAGES: "python3=Python 3, go ,nodejs_22=Node.js 22",
      CCC_PACKAGES_FREE_TEXT: "false",
      CCC_PACKAGES_DENY: "python2, steam",
      CCC_ALLOW_UNFREE: "true",
    });
    expect(software).toEqual({
      curated: [
        { name: "python3", label: "Python 3" },
        { name: "go", label: "go" },
        { name: "nodejs_22", label: "Node.js 22" },
      ],
      freeText: false,
      deny: ["python2", "steam"],
      allowUnfree: true,
    });
  });

  it("names every bad value at once", () => {
    const { problems } = readConfig({
      CCC_PACKAGES: "python3=Python,rm -rf=Oops",
      CCC_PACKAGES_FREE_TEXT: "maybe",
      CCC_PACKAGES_DENY: "ok,not ok",
      CCC_ALLOW_UNFREE: "2",
    });
    expect(problems).toEqual([
      expect.stringMatching(/^CCC_PACKAGES: "rm -rf" is not a nixpkgs attribute name/),
      "CCC_PACKAGES_FREE_TEXT: true or false",
      expect.stringMatching(/^CCC_PACKAGES_DENY: a comma-separated list of nixpkgs attribute names/),
      "CCC_ALLOW_UNFREE: true or false",
    ]);
  });
});
