import { describe, expect, it } from "vitest";
import type { Instance } from "../../src/core/instances/instance.ts";
import { applyDocumentWithPackages, checkApplyDocument } from "../../src/core/machine/apply-document.ts";
import { makeKeyPair } from "../helpers/keys.ts";

const key = makeKeyPair("alice@laptop").publicKey;
const instance = (packages: string[]) =>
  ({
    id: "ccc-ab12cd",
    owner: "U012AB3CD",
    sshKeys: [key],
    expiresAt: new Date("2026-11-25T20:00:00.000Z"),
    packages,
  }) as unknown as Instance;

describe("the ccc-apply document with extra packages", () => {
  it("is version 2 with the packages and the unfree permission, or version 1 without packages", () => {
    expect(applyDocumentWithPackages(instance(["python3", "go"]), true)).toEqual({
      version: 2,
      instanceId: "ccc-ab12cd",
      owner: "U012AB3CD",
      expiresAt: "2026-11-25T20:00:00Z",
      authorizedKeys: [key],
      packages: ["python3", "go"],
      allowUnfree: true,
    });
    expect(applyDocumentWithPackages(instance([]), false).version).toBe(1);
  });

  it("refuses a name the machine would refuse, naming the field", () => {
    expect(() => applyDocumentWithPackages(instance(["go", "a b"]), false)).toThrow(/packages/);
    const base = applyDocumentWithPackages(instance(["go"]), false);
    expect(() => checkApplyDocument({ ...base, packages: Array(21).fill("go") })).toThrow(/packages/);
    expect(() => checkApplyDocument({ ...base, version: 1 })).toThrow(/Unrecognized|packages/i);
    // Issue 20, finding 9: the machine's rule, before anything is sent.
    expect(() => checkApplyDocument({ ...base, packages: ["-rf"] })).toThrow(/packages/);
    expect(() => checkApplyDocument({ ...base, packages: ["pkgsCross.gnu64.hello"] })).toThrow(
      /another package set/,
    );
  });
});
