import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { nixEvalJson, nixMissingReason } from "./nix-tool.ts";

// NIXPKGS_LIB: a nixpkgs `lib` directory, or a checkout that has one (nixpkgs, nix-community/nixpkgs.lib).
const nixpkgsLib = (() => {
  const dir = process.env.NIXPKGS_LIB;
  if (!dir) return null;
  return existsSync(join(dir, "default.nix")) ? resolve(dir) : resolve(dir, "lib");
})();
const skipReason =
  nixMissingReason ??
  (nixpkgsLib === null
    ? "NIXPKGS_LIB is not set: point it at a nixpkgs lib directory (e.g. a copy of nix-community/nixpkgs.lib) to evaluate the module"
    : null);
const skipUnlessLib = (ctx: { skip: (condition: boolean, note?: string) => void }) =>
  ctx.skip(skipReason !== null, skipReason ?? "");

const evalFile = join(import.meta.dirname, "module-eval.nix");
const good = {
  instanceId: "ccc-k7x2mq",
  userSshKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOwnerKey alice@laptop",
  extraSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITeamKey bob@desk"],
  expiresAt: "2026-11-25T12:00:00Z",
};

interface Evaluated {
  failedAssertions: string[];
  hostName: string;
  claude: { isNormalUser: boolean; home: string; extraGroups: string[]; authorizedKeys: string[] };
  sudoWheelNeedsPassword: boolean;
  openssh: { enable: boolean; settings: Record<string, unknown> };
  etc: Record<string, string>;
  motd: string;
  tmpfiles: string[];
  packages: string[];
  timeLeftScript: string;
  unfreeAllowed: Record<string, boolean>;
  nixSettings: { "experimental-features": string[] };
}

async function evaluate(instance: Record<string, unknown>): Promise<Evaluated> {
  return (await nixEvalJson([
    evalFile,
    "--argstr",
    "nixpkgsLib",
    nixpkgsLib ?? "",
    "--argstr",
    "instanceJson",
    JSON.stringify(instance),
  ])) as Evaluated;
}

describe("services.cloudInstance, evaluated with the NixOS module system", () => {
  it("gives the claude user the owner's and the team's keys", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluate(good);

    expect(config.failedAssertions).toEqual([]);
    expect(config.claude).toEqual({
      isNormalUser: true,
      home: "/home/claude",
      extraGroups: ["wheel"],
      authorizedKeys: [good.userSshKey, ...good.extraSshKeys],
    });
    expect(config.sudoWheelNeedsPassword).toBe(false);
    expect(config.hostName).toBe("ccc-k7x2mq");
    expect(config.openssh).toEqual({
      enable: true,
      settings: {
        PasswordAuthentication: false,
        KbdInteractiveAuthentication: false,
        PermitRootLogin: "prohibit-password",
      },
    });
  });

  it("writes the instance metadata under /etc/cloud-instance/", async (ctx) => {
    skipUnlessLib(ctx);
    const { etc, motd } = await evaluate(good);

    expect(etc["cloud-instance/instance-id"]).toBe("ccc-k7x2mq\n");
    expect(etc["cloud-instance/expires-at"]).toBe("2026-11-25T12:00:00Z\n");
    expect(JSON.parse(etc["cloud-instance/metadata.json"] ?? "")).toEqual({
      instanceId: "ccc-k7x2mq",
      expiresAt: "2026-11-25T12:00:00Z",
    });
    expect(etc["cloud-instance/CLAUDE.md"]).toContain("**ccc-k7x2mq**");
    expect(etc["cloud-instance/CLAUDE.md"]).toContain("2026-11-25T12:00:00Z");
    expect(etc["cloud-instance/CLAUDE.md"]).not.toContain("@instanceId@");
    expect(motd).toContain("ccc-k7x2mq");
    expect(motd).toContain("ccc-time-left");
  });

  it("installs Claude Code (the only unfree package allowed), the tools and the context file", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluate(good);

    expect(config.packages).toEqual(
      expect.arrayContaining(["claude-code", "git", "tmux", "vim", "ripgrep", "nodejs", "ccc-time-left"]),
    );
    expect(config.unfreeAllowed).toEqual({ "claude-code": true, "some-other-unfree": false });
    expect(config.nixSettings["experimental-features"]).toEqual(["nix-command", "flakes"]);
    expect(config.tmpfiles).toContain(
      "L /home/claude/.claude/CLAUDE.md - - - - /etc/cloud-instance/CLAUDE.md",
    );
  });

  it("ccc-time-left reports the time left from expires-at", async (ctx) => {
    skipUnlessLib(ctx);
    const { timeLeftScript } = await evaluate(good);
    const dir = await mkdtemp(join(tmpdir(), "ccc-time-left-"));
    try {
      const expiresAtFile = join(dir, "expires-at");
      // Run the real script with coreutils from PATH and the metadata file in a temporary directory.
      const script = timeLeftScript
        .replaceAll(/\/nix\/store\/[^/]+-coreutils\/bin\//g, "")
        .replaceAll("/etc/cloud-instance/expires-at", expiresAtFile);
      const inTwoHours = new Date(Date.now() + (2 * 3600 + 30 * 60 + 20) * 1000)
        .toISOString()
        .replace(/\.\d+Z$/, "Z");
      await writeFile(expiresAtFile, `${inTwoHours}\n`);
      expect((await execa("bash", ["-c", script, "ccc-time-left"])).stdout).toBe(
        `2h 30m left (expires at ${inTwoHours})`,
      );
      await writeFile(expiresAtFile, "2000-01-01T00:00:00Z\n");
      expect((await execa("bash", ["-c", script])).stdout).toContain("expired at 2000-01-01T00:00:00Z");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.for<[string, Record<string, unknown>, string]>([
    ["an empty key", { userSshKey: "" }, "userSshKey must be a non-empty"],
    ["a blank key", { userSshKey: "   " }, "userSshKey must be a non-empty"],
    [
      "a two-line key",
      { userSshKey: "ssh-ed25519 AAAA a\nssh-ed25519 BBBB b" },
      "userSshKey must be a non-empty",
    ],
    ["an empty team key", { extraSshKeys: [""] }, "extraSshKeys must hold"],
    ["an id with look-alikes", { instanceId: "ccc-abcde1" }, "instanceId must look like"],
    ["an id of the wrong length", { instanceId: "ccc-abcdefg" }, "instanceId must look like"],
    ["an upper-case id", { instanceId: "CCC-ABCDEF" }, "instanceId must look like"],
    ["a local time", { expiresAt: "2026-11-25T12:00:00" }, "expiresAt must be ISO 8601"],
    ["a space instead of T", { expiresAt: "2026-11-25 12:00:00Z" }, "expiresAt must be ISO 8601"],
    ["month 13", { expiresAt: "2026-13-01T00:00:00Z" }, "expiresAt must be ISO 8601"],
    ["words", { expiresAt: "tomorrow" }, "expiresAt must be ISO 8601"],
  ])("rejects %s", async ([, change, message], ctx) => {
    skipUnlessLib(ctx);
    const { failedAssertions } = await evaluate({ ...good, ...change });
    expect(failedAssertions).toHaveLength(1);
    expect(failedAssertions[0]).toContain(message);
  });
});
