// Extra software through the terminal: `--packages` checked before anything is spent, reaching the
// machine's instance.json as JSON data (never Nix source), and listed by the JSON output and `status`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";

const h = useHarness({ env: { CCC_PACKAGES_DENY: "steam", CCC_ALLOW_UNFREE: "true" } });
const key = makeKeyPair("alice@laptop").publicKey;

describe("provision --packages", () => {
  it("builds curated and free-text names into the system, as data, and lists them", async () => {
    const made = await runCcc(
      h,
      [
        "provision",
        "--user",
        "alice",
        "--ssh-key",
        "-",
        "--packages",
        "python3,go, python3Packages.numpy",
        "--json",
      ],
      { stdin: key },
    );
    expect(made.stderr).not.toMatch(/error/i);
    expect(made.code).toBe(0);
    const json = JSON.parse(made.stdout);
    expect(json).toMatchObject({
      status: "ready",
      packages: ["python3", "go", "python3Packages.numpy"],
      packagesInstalled: ["python3", "go", "python3Packages.numpy"],
      packagesFailed: [],
    });

    const [call] = h.installer.calls();
    const instance = JSON.parse(call?.instanceJson ?? "{}");
    expect(instance).toMatchObject({
      extraPackages: ["python3", "go", "python3Packages.numpy"],
      allowUnfree: true,
    });
    // The flake reads instance.json; no name appears in Nix source.
    const flake = readFileSync(join(h.deps.paths.instancesDir, json.id, "flake.nix"), "utf8");
    expect(flake).not.toMatch(/python3|numpy/);
    expect(flake).toContain("builtins.fromJSON (builtins.readFile ./instance.json)");

    const shown = await runCcc(h, ["status", json.id]);
    expect(shown.stdout).toContain("  software: python3, go, python3Packages.numpy");
    expect(shown.stdout).toContain("  installed: python3, go, python3Packages.numpy");
    const shownJson = JSON.parse((await runCcc(h, ["status", json.id, "--json"])).stdout);
    expect(shownJson.packages).toEqual(["python3", "go", "python3Packages.numpy"]);

    await runCcc(h, ["deprovision", json.id]);
  });

  it("writes no extras into instance.json when none are asked for", async () => {
    const made = await runCcc(h, ["provision", "--ssh-key", "-", "--json"], { stdin: key });
    expect(made.code).toBe(0);
    const instance = JSON.parse(h.installer.calls()[0]?.instanceJson ?? "{}");
    expect(Object.keys(instance).sort()).toEqual([
      "expiresAt",
      "extraSshKeys",
      "instanceId",
      "system",
      "userSshKey",
    ]);
    expect(JSON.parse(made.stdout).packages).toEqual([]);
    await runCcc(h, ["deprovision", JSON.parse(made.stdout).id]);
  });

  it.each([
    ["python3;rm -rf /", /"python3;rm" is not a nixpkgs package name/],
    ["go,jq,go", /go is asked for twice/],
    [Array.from({ length: 21 }, (_, i) => `p${i}`).join(","), /At most 20 extra packages \(asked for 21\)/],
    ["steam", /steam is not allowed here/],
  ])("refuses %s before anything is spent", async (packages, message) => {
    const run = await runCcc(h, ["provision", "--ssh-key", "-", "--packages", packages], { stdin: key });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(h.cloud.servers()).toEqual([]);
    expect(h.deps.store.list()).toEqual([]);
    expect(h.installer.calls()).toEqual([]);
  });
});

describe("provision --packages with free text off", () => {
  const curatedOnly = useHarness({
    env: { CCC_PACKAGES: "python3=Python 3,go=Go", CCC_PACKAGES_FREE_TEXT: "false" },
  });

  it("takes curated names and refuses others, naming the choices", async () => {
    const refused = await runCcc(curatedOnly, ["provision", "--ssh-key", "-", "--packages", "go,htop"], {
      stdin: key,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "htop is not on this workspace's list of extra software; choose from python3, go.",
    );
    expect(curatedOnly.cloud.servers()).toEqual([]);

    const made = await runCcc(curatedOnly, ["provision", "--ssh-key", "-", "--packages", "go", "--json"], {
      stdin: key,
    });
    expect(JSON.parse(made.stdout).packages).toEqual(["go"]);
    await runCcc(curatedOnly, ["deprovision", JSON.parse(made.stdout).id]);
  });
});

describe("a fresh install that the module's package checks stop", () => {
  it.each([
    [
      "error:\n       Failed assertions:\n       - nixpkgs has no package named pythn3",
      "nixpkgs has no package named pythn3",
    ],
    [
      "       - vscode is unfree (Microsoft Software License); ccc installs unfree software only when the admin allows it (CCC_ALLOW_UNFREE=true).",
      "vscode is unfree (Microsoft Software License), and this workspace does not allow unfree software",
    ],
  ])("tells the person which package and why, and removes the server", async (errorOutput, told) => {
    h.installer.behave({ exitCode: 1, errorOutput });
    const run = await runCcc(h, ["provision", "--ssh-key", "-", "--packages", "pythn3,vscode", "--json"], {
      stdin: key,
    });
    expect(run.code).toBe(1);
    const id = /ccc-[a-z2-9]{6}/.exec(run.stdout)?.[0] ?? "";
    // What the owner is shown (the DM, status): ccc's words around the name, not the installer's output.
    const reason = h.deps.store.require(id).failureReason ?? "";
    expect(reason).toMatch(/^The extra software could not be installed: /);
    expect(reason).toContain(told);
    expect(reason).not.toContain("Log:");
    expect(h.cloud.servers()).toEqual([]);
  });
});
