// A machine from the warm pool gets at claim what its request asked for beyond the machine: the extra
// software, installed through the real ccc-apply over a real sshd (the stand-in `nix` failing one name),
// and the work volume, attached at the fake Hetzner and mounted by the same script with stand-in tools.
// The user is told "ready" only after both, with what did not work named.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { provision } from "../../src/commands/provision.ts";
import { poolOutcomeOf } from "../../src/core/pool/pool-outcome.ts";
import { refillPool } from "../../src/core/pool/refill.ts";
import type { ProvisionStep } from "../../src/core/provision/provision-failure.ts";
import { creatingMessage, readyMessage } from "../../src/render/block-kit/instance-blocks.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { perTest } from "../helpers/per-test.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { type PoolWorld, startPoolWorld } from "./pool-world.ts";

const w = perTest(
  () =>
    startPoolWorld({ CCC_POOL: "cx23@fsn1=1" }, {}, { kind: "ccc-apply", env: { FAKE_NIX_FAIL: "pythn3" } }),
  () => {},
);

/** Fills the pool, boots its one machine and answers it. */
async function warmMachine(world: PoolWorld) {
  await refillPool(world.deps);
  await world.bootMachines();
  const [member] = world.deps.store.pool.list();
  if (!member?.ipv4 || member.hetznerServerId === null) throw new Error("no ready pool machine");
  return { id: member.id, ip: member.ipv4, serverId: member.hetznerServerId };
}

/** Once Hetzner has attached a volume to `serverId`, its disk shows on the machine (as udev would). */
async function diskAppearsOnAttach(world: PoolWorld, serverId: number, ip: string): Promise<string> {
  let device = "";
  await waitForState(
    () => {
      const v = world.h.cloud.volumes().find((x) => x.server === serverId);
      device = v?.linux_device ?? "";
      return v !== undefined;
    },
    10_000,
    "the volume attached to the pool machine",
  );
  const disk = join(world.machineRoot(ip), device);
  mkdirSync(dirname(disk), { recursive: true });
  writeFileSync(disk, "");
  return device;
}

describe.skipIf(sshdMissingReason !== null)("a pool machine fitted out at claim", () => {
  it("installs the extra software through ccc-apply before ready, naming the package that failed", async () => {
    const machine = await warmMachine(w);
    const installs = w.h.installer.calls().length;
    const made = await runCcc(w.h, [
      "provision",
      "--ssh-key",
      makeKeyPair().publicKey,
      "--packages",
      "python3,pythn3,go",
    ]);

    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/Ready in \d+ s from the pool\./);
    expect(made.stdout).toContain("installed: python3, go");
    expect(made.stdout).toContain("not installed: pythn3");
    expect(made.stderr).toContain("Installing extra software");
    // The pool's machine, not a fresh install.
    expect(w.h.installer.calls()).toHaveLength(installs);
    expect(
      w
        .toolCalls(machine.ip)
        .filter((c) => c.tool === "nix")
        .map((c) => c.argv.at(-1)),
    ).toEqual(["nixpkgs#python3", "nixpkgs#pythn3", "nixpkgs#go"]);

    const status = await runCcc(w.h, ["status", machine.id, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({
      id: machine.id,
      status: "ready",
      packagesInstalled: ["python3", "go"],
      packagesFailed: [{ name: "pythn3" }],
    });
    const instance = w.deps.store.require(machine.id);
    expect(readyMessage(instance, w.deps.clock.now()).text).toContain("(not installed: pythn3)");
    const kinds = w.deps.store.events(machine.id).map((e) => e.kind);
    expect(kinds).toEqual(["requested", "claimed", "packages_installed", "ready"]);
    expect(w.machineState(machine.ip)).toMatchObject({ packages: ["python3", "pythn3", "go"] });
  });

  it("shows 'installing extra software' in the DM as a step of its own, before ready", async () => {
    const machine = await warmMachine(w);
    const seen: { step: string; dm: string; installed: boolean }[] = [];
    const ready = await provision(
      { deps: w.deps, actor: { id: "alice", isAdmin: false } },
      { owner: "alice", sshKey: makeKeyPair().publicKey, packages: "python3,go" },
      (progress) =>
        seen.push({
          step: progress.step,
          // As the DM flow renders each step.
          dm: progress.instance
            ? JSON.stringify(creatingMessage(progress.instance, progress.step as ProvisionStep).blocks)
            : "",
          installed: w.deps.store.require(machine.id).packageResults !== null,
        }),
    );
    expect(poolOutcomeOf(ready)).toBe("hit");
    expect(seen.map((s) => s.step)).toEqual(["installing", "installing_software", "ready"]);
    expect(seen[0]?.dm).toContain("▫️ Installing extra software: `python3`, `go`");
    expect(seen[1]?.dm).toContain("✅ Installing NixOS with Claude Code");
    expect(seen[1]?.dm).toContain("⏳ Installing extra software: `python3`, `go`");
    // The step is shown while the software goes on, not after.
    expect(seen[1]?.installed).toBe(false);
    expect(seen[2]?.installed).toBe(true);
  });

  it("attaches the work volume at Hetzner and mounts it through ccc-apply before ready", async () => {
    const machine = await warmMachine(w);
    const pending = runCcc(w.h, ["provision", "--ssh-key", makeKeyPair().publicKey, "--keep-work"]);
    const device = await diskAppearsOnAttach(w, machine.serverId, machine.ip);
    const made = await pending;

    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/Ready in \d+ s from the pool\./);
    expect(made.stderr).toContain("Work volume: mounted at /home/claude/work");
    const [volume] = w.h.cloud.volumes();
    expect(volume).toMatchObject({ server: machine.serverId, location: { name: "fsn1" } });
    expect(w.deps.store.workVolumes.forInstance(machine.id)).toMatchObject({
      hetznerId: volume?.id,
      instanceId: machine.id,
    });
    const root = w.machineRoot(machine.ip);
    expect(w.mounts(machine.ip)).toEqual([
      { source: join(root, device), target: join(root, "home/claude/work") },
    ]);
    const volumeJson = join(root, "var/lib/cloud-instance/volume.json");
    expect(JSON.parse(readFileSync(volumeJson, "utf8"))).toEqual({
      linuxDevice: device,
      mountPoint: "/home/claude/work",
    });
    const kinds = w.deps.store.events(machine.id).map((e) => e.kind);
    expect(kinds.indexOf("volume_mounted")).toBeGreaterThan(kinds.indexOf("claimed"));
    expect(kinds.indexOf("volume_mounted")).toBeLessThan(kinds.indexOf("ready"));
  });

  it("does both on one claim: the motd names the mounted volume and the software that installed", async () => {
    const machine = await warmMachine(w);
    const pending = runCcc(w.h, [
      "provision",
      "--ssh-key",
      makeKeyPair().publicKey,
      "--keep-work",
      "--packages",
      "python3,pythn3",
    ]);
    await diskAppearsOnAttach(w, machine.serverId, machine.ip);
    const made = await pending;

    expect(made.code).toBe(0);
    expect(made.stderr).toContain("Work volume: mounted at /home/claude/work");
    expect(made.stdout).toContain("not installed: pythn3");
    const motd = readFileSync(join(w.machineRoot(machine.ip), "var/lib/cloud-instance/motd"), "utf8");
    expect(motd).toContain("Your work volume is mounted at /home/claude/work");
    expect(motd).toContain("Extra software: python3\n");
    const kinds = w.deps.store.events(machine.id).map((e) => e.kind);
    expect(kinds.slice(-3)).toEqual(["volume_mounted", "packages_installed", "ready"]);
  });

  it("hands the machine over when Hetzner refuses the attach, and says the volume is not there", async () => {
    const machine = await warmMachine(w);
    w.h.cloud.failNext(
      { method: "POST", path: /^\/volumes\/\d+\/actions\/attach$/ },
      { status: 500, code: "server_error", message: "internal error" },
    );
    const made = await runCcc(w.h, ["provision", "--ssh-key", makeKeyPair().publicKey, "--keep-work"]);

    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/Ready in \d+ s from the pool\./);
    expect(made.stderr).toContain("Work volume: not attached");
    expect(made.stderr).not.toContain("Work volume: mounted at");
    expect(w.mounts(machine.ip)).toEqual([]);
    // Made at first use and kept, but given back: free for the next machine.
    expect(w.deps.store.workVolumes.forInstance(machine.id)).toBeNull();
    const [volume] = w.h.cloud.volumes();
    expect(volume?.server).toBeNull();
    expect(w.deps.store.workVolumes.open("opal", "fsn1")).toMatchObject({
      hetznerId: volume?.id,
      instanceId: null,
    });
    expect(w.deps.store.events(machine.id).map((e) => e.kind)).toContain("volume_failed");
  });
});
