// A pool machine gets its owner's extra software at claim: ccc sends a version 2 document with the
// packages over the real SSH channel to the real ccc-apply, whose stand-in `nix` fails one name. The
// machine is handed over all the same, and the failed name (with Nix's reason) is recorded and shown.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SshMachineChannel } from "../../src/adapters/ssh-machine-channel.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { installPackagesAtClaim } from "../../src/core/software/install-at-claim.ts";
import { readyMessage } from "../../src/render/block-kit/instance-blocks.ts";
import { instanceJson } from "../../src/render/json.ts";
import { sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { useHarness } from "../helpers/use-harness.ts";

const nixDir = resolve(import.meta.dirname, "../../nix");
const fakeBin = resolve(import.meta.dirname, "../../stand-ins/bin");
const h = useHarness();

describe.skipIf(sshdMissingReason !== null)("extra software at claim, over SSH", () => {
  it("installs each package through ccc-apply, names the one that failed, and hands the machine over", async () => {
    const root = join(h.dir, "machine-root");
    const hostKey = generateHostKey("root@pool");
    const key = makeKeyPair("alice@laptop").publicKey;
    const recorded = h.deps.store.add(
      {
        id: "ccc-abc234",
        owner: "U0ALICE",
        ownerEmail: null,
        sshKeys: [key],
        sshKeyFingerprint: "SHA256:x",
        serverType: "cx23",
        location: "fsn1",
        createdAt: h.deps.clock.now(),
        expiresAt: new Date(h.deps.clock.now().getTime() + 3_600_000),
        packages: ["python3", "pythn3", "go"],
      },
      { actor: "test", kind: "requested" },
    );
    mkdirSync(join(root, "etc/cloud-instance"), { recursive: true });
    writeFileSync(join(root, "etc/cloud-instance/instance-id"), `${recorded.id}\n`);
    copyFileSync(join(nixDir, "CLAUDE.cloud-instance.md"), join(root, "etc/cloud-instance/CLAUDE.md.in"));
    const sshd = await startSshd({
      authorizedKeys: [readFileSync(`${h.env.CCC_OPERATOR_SSH_KEY}.pub`, "utf8").trim()],
      forced: {
        program: join(nixDir, "packages/ccc-apply/ccc-apply.mjs"),
        root,
        env: {
          PATH: `${fakeBin}${delimiter}${process.env.PATH}`,
          FAKE_TOOLS_LOG: join(h.dir, "tools.jsonl"),
          FAKE_NIX_FAIL: "pythn3",
        },
      },
      hostKey,
    });
    try {
      const deps = h.compose({
        machine: new SshMachineChannel({
          identityFile: h.env.CCC_OPERATOR_SSH_KEY as string,
          instancesDir: h.deps.paths.instancesDir,
        }),
        timing: { sshPort: sshd.port },
      });
      const claimed = deps.store.update(
        recorded.id,
        { status: "ready", ipv4: sshd.host, hostKey: hostKey.publicKey },
        { actor: "test", kind: "ready" },
      );

      const results = await installPackagesAtClaim(deps, claimed);

      expect(results.map((r) => [r.name, r.ok])).toEqual([
        ["python3", true],
        ["pythn3", false],
        ["go", true],
      ]);
      expect(results[1]?.error).toContain("does not provide attribute");
      // Exactly one argv element per name, each from the pinned registry's nixpkgs.
      const nix = readFileSync(join(h.dir, "tools.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { tool: string; argv: string[] })
        .filter((c) => c.tool === "nix")
        .map((c) => c.argv);
      expect(nix).toEqual([
        ["profile", "install", "nixpkgs#python3"],
        ["profile", "install", "nixpkgs#pythn3"],
        ["profile", "install", "nixpkgs#go"],
      ]);
      const after = deps.store.require(recorded.id);
      expect(after.status).toBe("ready");
      expect(instanceJson(after)).toMatchObject({
        packages: ["python3", "pythn3", "go"],
        packagesInstalled: ["python3", "go"],
        packagesFailed: [{ name: "pythn3" }],
      });
      const message = readyMessage(after, deps.clock.now());
      expect(message.text).toContain("(not installed: pythn3)");
      expect(JSON.stringify(message.blocks)).toContain("Could not install `pythn3`");
      expect(deps.store.events(recorded.id).at(-1)).toMatchObject({
        kind: "packages_installed",
        detail: "not installed: pythn3",
      });
    } finally {
      await sshd.stop();
    }
  });
});
