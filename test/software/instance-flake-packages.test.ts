import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeInstanceFlake } from "../../src/core/provision/instance-flake.ts";
import { makeKeyPair } from "../helpers/keys.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const base = {
  instanceId: "ccc-abc234",
  userSshKey: makeKeyPair().publicKey,
  extraSshKeys: [],
  expiresAt: "2026-11-25T20:00:00Z",
  system: "x86_64-linux" as const,
};
const projectFlake = resolve(import.meta.dirname, "../../nix");

describe("extra packages in the instance flake", () => {
  it("go into instance.json as JSON strings with the unfree permission; flake.nix only reads that file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccc-flake-pkgs-"));
    dirs.push(dir);
    await writeInstanceFlake(join(dir, "i"), projectFlake, {
      ...base,
      extraPackages: ["python3", "python3Packages.numpy"],
      allowUnfree: false,
    });
    const json = JSON.parse(readFileSync(join(dir, "i", "instance.json"), "utf8"));
    expect(json.extraPackages).toEqual(["python3", "python3Packages.numpy"]);
    expect(json.allowUnfree).toBe(false);
    expect(readFileSync(join(dir, "i", "flake.nix"), "utf8")).not.toContain("python3");
  });

  it("refuses a name that is not an attribute path even if it got this far, writing nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccc-flake-pkgs-"));
    dirs.push(dir);
    for (const bad of ['x"; evil = "', "a b", `$\{x}`]) {
      await expect(
        writeInstanceFlake(join(dir, "j"), projectFlake, { ...base, extraPackages: [bad] }),
      ).rejects.toThrow(/is not a nixpkgs package name/);
    }
    expect(() => readFileSync(join(dir, "j", "instance.json"))).toThrow();
  });
});
