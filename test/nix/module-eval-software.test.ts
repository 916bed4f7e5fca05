import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateCloudInstance, nixpkgsLib, skipUnlessLib } from "./module-eval-run.ts";
import { nixEvalJson } from "./nix-tool.ts";

// services.cloudInstance's extra packages, unfree rule, nixpkgs pin and work-volume unit, evaluated with the
// module system against module-eval.nix's stand-in pkgs (python3, go, python3Packages.numpy, example-unfree…).
const good = {
  instanceId: "ccc-k7x2mq",
  userSshKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOwnerKey alice@laptop",
  expiresAt: "2026-11-25T12:00:00Z",
};
const base = [
  "claude-code",
  "git",
  "tmux",
  "vim",
  "ripgrep",
  "nodejs",
  "ccc-time-left",
  "ccc-claude-setup",
  "git-credential-ccc",
  "ccc-keep-awake",
];
const unfreeMessage =
  "example-unfree is unfree (Example Proprietary Licence, unfreeRedistributable); ccc installs unfree software only when the admin allows it (CCC_ALLOW_UNFREE=true).";

describe("services.cloudInstance.extraPackages", () => {
  it("installs the packages it names, nested ones too, and lists them for ccc-apply", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluateCloudInstance({
      ...good,
      extraPackages: ["python3", "python3Packages.numpy", "go"],
    });

    expect(config.failedAssertions).toEqual([]);
    expect(config.packages).toEqual(["python3", "numpy", "go", ...base]);
    expect(config.etc["cloud-instance/extra-packages.json"]).toBe(
      '["python3","python3Packages.numpy","go"]\n',
    );
    expect(config.seedFiles.motd).toContain("Extra software: python3, python3Packages.numpy, go\n");
    expect(config.seedFiles["CLAUDE.md"]).toContain(
      "- Extra software chosen for this machine: `python3`, `python3Packages.numpy`, `go`.\n",
    );
  });

  it("has none by default, and says nothing about extras", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluateCloudInstance(good);

    expect(config.packages).toEqual(base);
    expect(config.etc["cloud-instance/extra-packages.json"]).toBe("[]\n");
    expect(config.seedFiles.motd).not.toContain("Extra software");
    expect(config.seedFiles["CLAUDE.md"]).not.toMatch(/Extra software|@extraPackages@|@workVolume@/);
  });

  it.for<[string, string]>([
    ["a misspelt name", "pythn3"],
    ["a package set", "python3Packages"],
    ["a function", "writeScript"],
    ["a removed package (an alias that throws)", "removed-tool"],
    ["a missing nested name", "python3Packages.nump"],
  ])("fails for %s: nixpkgs has no package named it", async ([, name], ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluateCloudInstance({ ...good, extraPackages: ["python3", name] });

    expect(config.failedAssertions).toEqual([`nixpkgs has no package named ${name}`]);
    expect(config.packages).toEqual(["python3", ...base]);
  });

  it.for<[string, string[], string]>([
    ["a name that is not an attribute path", ["python3", "a..b"], 'got ["a..b"]'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Nix interpolation is the point: it must stay text.
    ["Nix source for a name", ['pkgs.hello ${builtins.abort "x"}'], "must be nixpkgs attribute names"],
    ["21 names", Array.from({ length: 21 }, () => "python3").map((n, i) => `${n}-${i}`), "at most 20"],
    ["a name twice", ["go", "python3", "go"], "names a package more than once"],
    // Issue 20, finding 9: the same rule as ccc and ccc-apply.
    ["a flag", ["-rf"], 'got ["-rf"]'],
    [
      "another package set",
      ["python3", "pkgsCross.gnu64.hello", "pkgs.hello"],
      'got ["pkgsCross.gnu64.hello","pkgs.hello"]',
    ],
    ["an interpreter set's top level", ["python3Packages.pkgs.hello"], 'got ["python3Packages.pkgs.hello"]'],
  ])("refuses %s", async ([, extraPackages, words], ctx) => {
    skipUnlessLib(ctx);
    const { failedAssertions } = await evaluateCloudInstance({ ...good, extraPackages });
    expect(failedAssertions).toContainEqual(expect.stringContaining(words));
  });

  it("refuses an unfree package without the admin's permission, naming its licences", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluateCloudInstance({
      ...good,
      extraPackages: ["example-unfree", "example-mixed"],
    });

    expect(config.failedAssertions).toEqual([unfreeMessage]);
    expect(config.packages).toEqual(["example-mixed", ...base]);
    expect(config.unfreeAllowed).toEqual({
      "claude-code": true,
      "example-unfree": false,
      "some-other-unfree": false,
    });
  });

  it("allows that unfree package, and only it besides Claude Code, when the admin does", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluateCloudInstance({
      ...good,
      extraPackages: ["example-unfree"],
      allowUnfreeExtraPackages: true,
    });

    expect(config.failedAssertions).toEqual([]);
    expect(config.packages).toEqual(["example-unfree", ...base]);
    expect(config.unfreeAllowed).toEqual({
      "claude-code": true,
      "example-unfree": true,
      "some-other-unfree": false,
    });
  });
});

describe("the machine's nixpkgs and work volume", () => {
  const source = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-source";

  it("pins nixpkgs in the registry and NIX_PATH to the flake the system is built from", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluateCloudInstance(good, {}, source);

    expect(config.registry).toEqual({ nixpkgs: { flake: source } });
    expect(config.nixPath).toEqual([`nixpkgs=${source}`]);
    // NixOS's own pin would define the same registry entry a second time.
    expect(config.nixpkgsFlake).toEqual({ setFlakeRegistry: false, setNixPath: false });
  });

  it("pins nothing when no nixpkgs flake is given", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluateCloudInstance(good);
    expect({ registry: config.registry, nixPath: config.nixPath }).toEqual({ registry: {}, nixPath: [] });
  });

  it("mounts the recorded work volume at boot through ccc-apply", async (ctx) => {
    skipUnlessLib(ctx);
    const { services, rootPackages } = await evaluateCloudInstance(good);

    expect(services["ccc-work-volume"]).toEqual({
      description: "Mount the owner's work volume at /home/claude/work",
      after: ["local-fs.target"],
      wantedBy: ["multi-user.target"],
      unitConfig: { ConditionPathExists: "/var/lib/cloud-instance/volume.json" },
      serviceConfig: {
        Type: "oneshot",
        RemainAfterExit: true,
        ExecStart: expect.stringMatching(/^\/nix\/store\/\S+-ccc-apply\/bin\/ccc-apply --mount-volume$/),
      },
    });
    // The tools ccc-apply runs come from the system, ahead of anything else on root's PATH.
    expect(rootPackages[0]?.text).toMatch(
      /^export PATH=\/nix\/store\/\S+-util-linux\/bin:\/nix\/store\/\S+-coreutils\/bin:\/nix\/store\/\S+-nix\/bin:\/nix\/store\/\S+-acl\/bin:\/nix\/store\/\S+-systemd\/bin:\$PATH\n/,
    );
  });
});

describe("lib.mkCloudInstance", () => {
  it("passes instance.json's extra packages, the unfree permission and its own nixpkgs to the module", async (ctx) => {
    skipUnlessLib(ctx);
    const flake = join(resolve(import.meta.dirname, "../../nix"), "flake.nix");
    // A nixpkgs whose nixosSystem returns its modules, so the module values can be read without building.
    const modules = await nixEvalJson([
      "--expr",
      `let
        lib = import ${nixpkgsLib};
        nixpkgs = { outPath = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-source"; lib = lib // { nixosSystem = args: args; }; };
        outputs = (import ${flake}).outputs { inherit nixpkgs; disko.nixosModules.disko = { }; };
        system = outputs.lib.mkCloudInstance (builtins.fromJSON ''${JSON.stringify({
          ...good,
          extraPackages: ["python3", "go"],
          allowUnfree: true,
        })}'');
        values = (builtins.elemAt system.modules 2).services.cloudInstance;
      in values // { nixpkgsFlake = values.nixpkgsFlake.outPath; }`,
    ]);
    expect(modules).toEqual({
      ...good,
      extraSshKeys: [],
      extraPackages: ["python3", "go"],
      allowUnfreeExtraPackages: true,
      nixpkgsFlake: "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-source",
    });
  });
});
