import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { evaluateCloudInstance, skipUnlessLib } from "./module-eval-run.ts";

const good = {
  instanceId: "ccc-k7x2mq",
  userSshKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOwnerKey alice@laptop",
  extraSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITeamKey bob@desk"],
  expiresAt: "2026-11-25T12:00:00Z",
};

const evaluate = evaluateCloudInstance;

describe("services.cloudInstance, evaluated with the NixOS module system", () => {
  it("gives the claude user the owner's and the team's keys", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluate(good);

    expect(config.failedAssertions).toEqual([]);
    expect(config.claude).toEqual({
      isNormalUser: true,
      home: "/home/claude",
      extraGroups: ["wheel", "ccc-work", "ccc-secrets"],
      authorizedKeys: [good.userSshKey, ...good.extraSshKeys],
    });
    expect(config.sudoWheelNeedsPassword).toBe(false);
    expect(config.hostName).toBe("ccc-k7x2mq");
    expect(config.openssh).toMatchObject({
      enable: true,
      settings: {
        PasswordAuthentication: false,
        KbdInteractiveAuthentication: false,
        PermitRootLogin: "prohibit-password",
      },
    });
  });

  it("has seven guest accounts without sudo that share only the work folder with claude", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluate(good);

    expect(config.failedAssertions).toEqual([]);
    const names = [1, 2, 3, 4, 5, 6, 7].map((n) => `ccc-guest-${n}`);
    expect(Object.keys(config.guestUsers).sort()).toEqual(names);
    for (const name of names) {
      // Not in wheel: sudo is for wheel only. No key at install: ccc-apply writes the one a share gives.
      expect(config.guestUsers[name]).toEqual({
        isNormalUser: true,
        extraGroups: ["ccc-work"],
        authorizedKeys: [],
      });
    }
    expect(config.sudo).toMatchObject({ wheelNeedsPassword: false, execWheelOnly: true });
    expect(config.groups).toContain("ccc-work");
    expect(config.claudeHomeMode).toBe("710");
    expect(config.tmpfiles).toContain("d /home/claude/work 2770 claude ccc-work - -");
    // Nor a trusted Nix user, which is root by another door.
    expect(config.nixSettings).toMatchObject({ "trusted-users": ["claude"] });
    // sshd finds a guest account's key where ccc-apply writes it.
    expect(config.openssh.authorizedKeysFiles).toEqual(["/var/lib/cloud-instance/authorized_keys.d/%u"]);
  });

  it("lets sshd read claude's live keys from /var/lib/cloud-instance, keyed by user name", async (ctx) => {
    skipUnlessLib(ctx);
    const { openssh, tmpfiles } = await evaluate(good);

    // %u: root (and anyone else) would look for a file of their own name, which is never there.
    expect(openssh.authorizedKeysFiles).toEqual(["/var/lib/cloud-instance/authorized_keys.d/%u"]);
    expect(tmpfiles).toContain(
      "L /var/lib/cloud-instance/authorized_keys.d/claude - - - - /var/lib/cloud-instance/authorized_keys",
    );
    expect(tmpfiles).not.toContainEqual(expect.stringMatching(/authorized_keys\.d\/root/));
  });

  it("keeps the id in /etc and links the changing values to the live files", async (ctx) => {
    skipUnlessLib(ctx);
    const { etc, motdFile } = await evaluate(good);

    expect(etc["cloud-instance/instance-id"]).toBe("ccc-k7x2mq\n");
    expect(etc["cloud-instance/expires-at"]).toBe("/var/lib/cloud-instance/expires-at");
    expect(etc["cloud-instance/metadata.json"]).toBe("/var/lib/cloud-instance/metadata.json");
    expect(etc["cloud-instance/CLAUDE.md"]).toBe("/var/lib/cloud-instance/CLAUDE.md");
    expect(etc["cloud-instance/CLAUDE.md.in"]).toBe(
      resolve(import.meta.dirname, "../../nix/CLAUDE.cloud-instance.md"),
    );
    expect(motdFile).toBe("/var/lib/cloud-instance/motd");
  });

  it("seeds /var/lib/cloud-instance from the install-time values, once", async (ctx) => {
    skipUnlessLib(ctx);
    const { seedFiles, tmpfiles } = await evaluate(good);

    expect(seedFiles.authorized_keys).toBe(`${good.userSshKey}\n${good.extraSshKeys[0]}\n`);
    expect(seedFiles["expires-at"]).toBe("2026-11-25T12:00:00Z\n");
    expect(JSON.parse(seedFiles["metadata.json"] ?? "")).toEqual({
      instanceId: "ccc-k7x2mq",
      expiresAt: "2026-11-25T12:00:00Z",
    });
    expect(seedFiles.motd).toContain(
      "Claude Code Cloud machine ccc-k7x2mq\nExpires at 2026-11-25T12:00:00Z;",
    );
    expect(seedFiles["CLAUDE.md"]).toContain("**ccc-k7x2mq**");
    expect(seedFiles["CLAUDE.md"]).toContain("2026-11-25T12:00:00Z");
    expect(seedFiles["CLAUDE.md"]).not.toContain("@instanceId@");
    expect(Object.keys(seedFiles).sort()).toEqual([
      "CLAUDE.md",
      "authorized_keys",
      "expires-at",
      "metadata.json",
      "motd",
    ]);
    for (const name of Object.keys(seedFiles)) {
      // C copies only when the file is missing, so a reboot never undoes a ccc-apply.
      expect(tmpfiles).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^C /var/lib/cloud-instance/${name.replace(".", "\\.")} 0644 root root - /nix/store/\\S+-cloud-instance-${name.replace(".", "\\.")}$`,
          ),
        ),
      );
    }
    expect(tmpfiles.indexOf("d /var/lib/cloud-instance 0755 root root - -")).toBe(0);
  });

  it("installs ccc-apply for root only, run by the machine's Node.js", async (ctx) => {
    skipUnlessLib(ctx);
    const { packages, rootPackages } = await evaluate(good);

    expect(packages).not.toContain("ccc-apply");
    expect(rootPackages.map((p) => p.name)).toEqual(["ccc-apply"]);
    expect(rootPackages[0]?.text).toMatch(
      // The packages folder (ccc-apply with its workspace and task modes, and ccc-user, whose secrets-file parser
      // the task runner imports) is copied to the store; the script runs ccc-apply.mjs from it.
      /\nexec \/nix\/store\/\S+-nodejs\/bin\/node \/nix\/store\/\S+-packages\/ccc-apply\/ccc-apply\.mjs "\$@"\n$/,
    );
  });

  it("refuses a configuration without the ed25519 host key ccc installs and pins", async (ctx) => {
    skipUnlessLib(ctx);
    const { failedAssertions } = await evaluate(good, {
      services: { openssh: { hostKeys: [{ type: "rsa", bits: 4096, path: "/etc/ssh/ssh_host_rsa_key" }] } },
    });
    expect(failedAssertions).toEqual([expect.stringContaining("/etc/ssh/ssh_host_ed25519_key")]);
  });

  it("installs Claude Code (the only unfree package allowed), the tools and the context file", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluate(good);

    expect(config.packages).toEqual(
      expect.arrayContaining(["claude-code", "git", "tmux", "vim", "ripgrep", "nodejs", "ccc-time-left"]),
    );
    expect(config.unfreeAllowed).toMatchObject({ "claude-code": true, "some-other-unfree": false });
    expect(config.nixSettings["experimental-features"]).toEqual(["nix-command", "flakes"]);
    expect(config.tmpfiles).toContain(
      "L /home/claude/.claude/CLAUDE.md - - - - /etc/cloud-instance/CLAUDE.md",
    );
  });

  it("makes the claude user ready to code: the login hook, Claude Code's set-up, git's credential helper", async (ctx) => {
    skipUnlessLib(ctx);
    const config = await evaluate(good);

    expect(config.packages).toEqual(expect.arrayContaining(["ccc-claude-setup", "git-credential-ccc"]));
    // Sourced for claude only, from the store copy of nix/packages/ccc-user.
    expect(config.loginShellInit).toMatch(
      /if \[ "\$\{USER-\}" = claude \]; then\n\s+\. \S+ccc-user\/ccc-login\.sh/,
    );
    expect(config.etc.gitconfig).toContain('[credential "https://github.com"]\n  helper = ccc github');
    expect(config.etc.gitconfig).toContain('[credential "https://gitlab.com"]\n  helper = ccc gitlab');
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
        .replaceAll("/var/lib/cloud-instance/expires-at", expiresAtFile);
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
