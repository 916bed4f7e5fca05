// The machine mounts its work volume through ccc-apply after the install: a real OpenSSH server with the
// host key ccc made for the machine, running the real on-machine script against a test folder, with
// stand-ins for mount, findmnt and chown. No rebuild: one `ccc-apply` session.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deprovision } from "../../src/commands/deprovision.ts";
import { provision } from "../../src/commands/provision.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import { HOST_KEY_FILE } from "../../src/core/machine/extra-files.ts";
import type { InstallRequest } from "../../src/core/ports/installer.ts";
import { attachWorkVolume } from "../../src/core/volumes/attach-work-volume.ts";
import { type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";

const nixDir = resolve(import.meta.dirname, "../../nix");
const CCC_APPLY = join(nixDir, "packages/ccc-apply/ccc-apply.mjs");
const FAKE_BIN = resolve(import.meta.dirname, "../../stand-ins/bin");

let h: Harness | null = null;
const machines: FakeSshd[] = [];
afterEach(async () => {
  await Promise.all(machines.splice(0).map((m) => m.stop()));
  await h?.close();
  h = null;
});

/** The machine as the install leaves it: its instance id, Claude's context template, and sshd with ccc's host key. */
function machineRoot(harness: Harness, host: string): string {
  return join(harness.dir, "machines", host);
}

async function world(): Promise<{ h: Harness; deps: CoreDeps }> {
  const harness = await startHarness();
  h = harness;
  const installer = {
    async install(req: InstallRequest): Promise<void> {
      const root = machineRoot(harness, req.host);
      mkdirSync(join(root, "etc/cloud-instance"), { recursive: true });
      writeFileSync(join(root, "etc/cloud-instance/instance-id"), `${req.instanceId}\n`);
      copyFileSync(join(nixDir, "CLAUDE.cloud-instance.md"), join(root, "etc/cloud-instance/CLAUDE.md.in"));
      // Hetzner attached the volume at create: its disk is there (the only volume at the fake).
      mkdirSync(join(root, "dev/disk/by-id"), { recursive: true });
      for (const v of harness.cloud.volumes()) writeFileSync(join(root, v.linux_device), "");
      const privateKey = readFileSync(join(req.extraFilesDir ?? "", HOST_KEY_FILE), "utf8");
      const publicKey = readFileSync(join(req.extraFilesDir ?? "", `${HOST_KEY_FILE}.pub`), "utf8");
      await harness.ssh.closeHost(req.host);
      machines.push(
        await startSshd({
          authorizedKeys: [harness.deps.operatorKey.publicKey],
          hostKey: { privateKey, publicKey: publicKey.trim() },
          forced: {
            program: CCC_APPLY,
            root,
            env: {
              PATH: `${FAKE_BIN}${delimiter}${process.env.PATH}`,
              FAKE_TOOLS_LOG: join(root, "..", `${req.host}.tools.jsonl`),
              FAKE_MOUNT_TABLE: join(root, "..", `${req.host}.mounts.json`),
            },
          },
          host: req.host,
          port: req.sshPort,
        }),
      );
    },
  };
  return { h: harness, deps: harness.compose({ installer }) };
}

const mounts = (harness: Harness, host: string) =>
  JSON.parse(readFileSync(join(machineRoot(harness, host), "..", `${host}.mounts.json`), "utf8"));

describe.skipIf(sshdMissingReason !== null)("mounting the work volume on the machine", () => {
  it("is one ccc-apply after the install, by the volume's device, at /home/claude/work", async () => {
    const { h: harness, deps } = await world();
    const ctx = { deps, actor: { id: "alice", isAdmin: false } };
    const ready = await provision(ctx, { owner: "alice", sshKey: makeKeyPair().publicKey, keepWork: true });
    const host = ready.ipv4 ?? "";
    const [volume] = harness.cloud.volumes();
    const device = `/dev/disk/by-id/scsi-0HC_Volume_${volume?.id}`;

    expect(mounts(harness, host)).toEqual([
      {
        source: join(machineRoot(harness, host), device),
        target: join(machineRoot(harness, host), "home/claude/work"),
      },
    ]);
    const stateDir = join(machineRoot(harness, host), "var/lib/cloud-instance");
    expect(JSON.parse(readFileSync(join(stateDir, "volume.json"), "utf8"))).toEqual({
      linuxDevice: device,
      mountPoint: "/home/claude/work",
    });
    expect(JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8"))).toMatchObject({
      version: 2,
      instanceId: ready.id,
      volume: { linuxDevice: device },
    });
    expect(readFileSync(join(stateDir, "motd"), "utf8")).toContain(
      "work volume is mounted at /home/claude/work",
    );
    expect(machines[0]?.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);
    const kinds = deps.store.events(ready.id).map((e) => e.kind);
    expect(kinds.indexOf("volume_mounted")).toBeLessThan(kinds.indexOf("ready"));
    await deprovision(ctx, { id: ready.id });
  });

  it("attaches and mounts it on a running machine (a pool machine at claim)", async () => {
    const { h: harness, deps } = await world();
    const ctx = { deps, actor: { id: "alice", isAdmin: false } };
    const ready = await provision(ctx, { owner: "alice", sshKey: makeKeyPair().publicKey });
    expect(harness.cloud.volumes()).toEqual([]);

    const pending = attachWorkVolume(deps, ready, { sizeGb: 15 });
    // The disk appears once Hetzner attached it; ccc-apply waits for it.
    const made = await (async () => {
      for (;;) {
        const [v] = harness.cloud.volumes();
        if (v) return v;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const root = machineRoot(harness, ready.ipv4 ?? "");
    mkdirSync(join(root, "dev/disk/by-id"), { recursive: true });
    writeFileSync(join(root, made.linux_device), "");
    const { volume, mount } = await pending;

    expect(volume).toMatchObject({ hetznerId: made.id, sizeGb: 15, instanceId: ready.id });
    expect(mount).toEqual({ kind: "mounted", volumeId: made.id, mountPoint: "/home/claude/work" });
    expect(harness.cloud.volumes()[0]?.server).toBe(ready.hetznerServerId);
    expect(mounts(harness, ready.ipv4 ?? "")).toHaveLength(1);
    await deprovision(ctx, { id: ready.id });
  });
});
