// Provisioning gives each machine a host key ccc made: handed to the installer with --extra-files, its
// private half gone afterwards, its public half stored, shown and used to reach the machine later.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { provision } from "../../src/commands/provision.ts";
import { applyDocumentFor } from "../../src/core/machine/apply-document.ts";
import { extraFilesDir, HOST_KEY_FILE, writeExtraFiles } from "../../src/core/machine/extra-files.ts";
import { generateHostKey, hostKeyFingerprint } from "../../src/core/machine/host-key.ts";
import { machineTarget } from "../../src/core/ports/machine.ts";
import { failProvision } from "../../src/core/provision/run-provision.ts";
import { startProvision } from "../../src/core/provision/start-provision.ts";
import { parseSshPublicKey } from "../../src/core/ssh-key/ssh-key.ts";
import { FAKE_CCC_APPLY, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";

const h = useHarness();

const alice = { id: "alice", isAdmin: false };

function ccc(args: string[]) {
  return runCcc(h, args);
}

describe("a provision's host key", () => {
  it("goes to the installer as --extra-files with a 0600 key, is deleted afterwards, and shows in the output", async () => {
    const made = await ccc(["provision", "--ssh-key", makeKeyPair().publicKey, "--json"]);
    expect(made.code).toBe(0);
    const instance = JSON.parse(made.stdout);

    const [call] = h.installer.calls();
    const tree = extraFilesDir(h.deps.paths.instancesDir, instance.id);
    expect(call?.argv.slice(-2)).toEqual(["--extra-files", tree]);
    expect(call?.extraFiles).toEqual([
      { path: "", dir: true, mode: "700" },
      { path: "etc", dir: true, mode: "755" },
      { path: "etc/ssh", dir: true, mode: "755" },
      { path: HOST_KEY_FILE, dir: false, mode: "600" },
      { path: `${HOST_KEY_FILE}.pub`, dir: false, mode: "644" },
    ]);
    expect(existsSync(tree)).toBe(false);
    // Nix copies the flake folder into the world-readable store: the key must never have been in it.
    expect(tree.startsWith(`${join(h.deps.paths.instancesDir, instance.id)}/`)).toBe(false);

    const installed = readFileSync(
      join(h.installer.targetRoot(instance.ipv4), `${HOST_KEY_FILE}.pub`),
      "utf8",
    );
    expect(installed).toBe(`${instance.hostKey} root@${instance.id}\n`);
    expect(instance.hostKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
    expect(instance.hostKeyFingerprint).toBe(hostKeyFingerprint(instance.hostKey));
    expect(instance.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    // On CCC_SSH_PORT (not 22 here), in ssh's own [address]:port form.
    const port = h.env.CCC_SSH_PORT;
    expect(instance.knownHosts).toBe(
      `[${instance.ipv4}]:${port},[${instance.ipv6}]:${port} ${instance.hostKey}`,
    );
    expect(h.deps.store.require(instance.id).hostKey).toBe(instance.hostKey);

    const shown = await ccc(["status", instance.id]);
    expect(shown.stdout).toContain(`host key: ${instance.hostKeyFingerprint}`);
    await ccc(["deprovision", instance.id]);
  });

  it("is printed with a known_hosts line after a provision in text mode", async () => {
    const made = await ccc(["provision", "--ssh-key", makeKeyPair().publicKey]);
    expect(made.code).toBe(0);
    const [instance] = h.deps.store.list();
    const hostKey = instance?.hostKey ?? "";
    expect(made.stdout).toContain(`host key: ${hostKeyFingerprint(hostKey)}`);
    expect(made.stdout).toContain(
      `add this line to ~/.ssh/known_hosts:\n  [${instance?.ipv4}]:${h.env.CCC_SSH_PORT},[${instance?.ipv6}]:${h.env.CCC_SSH_PORT} ${hostKey}\n`,
    );
    await ccc(["deprovision", instance?.id ?? ""]);
  });

  it("is deleted when the install fails", async () => {
    h.installer.behave({ exitCode: 1 });
    const made = await ccc(["provision", "--ssh-key", makeKeyPair().publicKey]);
    expect(made.code).toBe(1);
    const [call] = h.installer.calls();
    expect(call?.extraFiles?.find((f) => f.path === HOST_KEY_FILE)?.mode).toBe("600");
    const [failed] = h.deps.store.list({ includeEnded: true });
    expect(failed?.status).toBe("failed");
    expect(existsSync(extraFilesDir(h.deps.paths.instancesDir, failed?.id ?? ""))).toBe(false);
  });

  it("left behind by a process that stopped mid-install is deleted when the provision is failed", async () => {
    const recorded = await startProvision(h.deps, alice, {
      owner: "alice",
      ownerEmail: null,
      key: parseSshPublicKey(makeKeyPair().publicKey),
      serverType: undefined,
      location: undefined,
    });
    const tree = extraFilesDir(h.deps.paths.instancesDir, recorded.id);
    await writeExtraFiles(tree, generateHostKey("x"), "x");
    await failProvision(h.deps, recorded.id, null, new Error("ccc stopped mid-install"), "installing");
    expect(existsSync(tree)).toBe(false);
  });

  it.skipIf(sshdMissingReason !== null)(
    "is the one ccc later finds on the machine: an update goes through over the pinned key",
    async () => {
      const ready = await provision(
        { deps: h.deps, actor: alice },
        { owner: "alice", sshKey: makeKeyPair().publicKey },
      );
      const ip = ready.ipv4 ?? "";
      // The machine is now NixOS with the installed host key: a real sshd takes over its address.
      await h.ssh.closeHost(ip);
      const machineRoot = h.installer.targetRoot(ip);
      const sshd = await startSshd({
        authorizedKeys: [h.deps.operatorKey.publicKey],
        hostKey: {
          privateKey: readFileSync(join(machineRoot, HOST_KEY_FILE), "utf8"),
          publicKey: readFileSync(join(machineRoot, `${HOST_KEY_FILE}.pub`), "utf8"),
        },
        forced: { program: FAKE_CCC_APPLY, root: join(h.dir, "machine") },
        host: ip,
        port: h.deps.timing.sshPort,
      });
      try {
        const doc = applyDocumentFor(ready);
        const result = await h.deps.machine.apply(machineTarget(ready, h.deps.timing.sshPort), doc);
        expect(result).toEqual({ kind: "ok", applied: doc });
        const state = readFileSync(join(h.dir, "machine/var/lib/cloud-instance/state.json"), "utf8");
        expect(JSON.parse(state)).toEqual(doc);
        expect(sshd.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);
      } finally {
        await sshd.stop();
      }
      await ccc(["deprovision", ready.id]);
    },
  );
});
