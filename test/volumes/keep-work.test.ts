// "Keep my work" on a fresh install: the person's volume is made on first use and given to the server in
// its create call, comes back to their next machine in that location, and is refused (before anything is
// made) while another machine has it.
import { describe, expect, it } from "vitest";
import { deprovision } from "../../src/commands/deprovision.ts";
import { provision } from "../../src/commands/provision.ts";
import { UserError } from "../../src/core/errors.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";

const h = useHarness();
const alice = { id: "alice", isAdmin: false };
const key = () => makeKeyPair("alice@laptop").publicKey;
const ctx = () => ({ deps: h.deps, actor: alice });
const creates = (path: string) => h.cloud.requests.filter((r) => r.method === "POST" && r.path === path);

describe("a machine with its owner's work volume", () => {
  it("makes the volume on first use and gives it to the server in the create call", async () => {
    const ready = await provision(ctx(), { owner: "alice", sshKey: key(), keepWork: true });

    expect(ready.status).toBe("ready");
    const [volume] = h.cloud.volumes();
    expect(volume).toMatchObject({
      size: 10,
      format: "ext4",
      location: { name: "fsn1" },
      labels: { "managed-by": "ccc", "ccc-owner": "alice" },
    });
    expect(creates("/servers")[0]?.body).toMatchObject({ volumes: [volume?.id] });
    expect(volume?.server).toBe(h.cloud.servers()[0]?.id);
    const row = h.deps.store.workVolumes.forInstance(ready.id);
    expect(row).toMatchObject({ hetznerId: volume?.id, owner: "alice", location: "fsn1", sizeGb: 10 });
    expect(row?.linuxDevice).toBe(`/dev/disk/by-id/scsi-0HC_Volume_${volume?.id}`);
    expect(h.deps.store.events(ready.id).map((e) => e.kind)).toContain("volume_reserved");
    // Billed from now on at the gross price per GB-month /pricing gave when it was made.
    expect(h.deps.store.storageLedger.heldIn(new Date(0), new Date(8.64e15))).toEqual([
      expect.objectContaining({ kind: "volume", sizeGb: 10, pricePerGbMonth: "0.0523600000", to: null }),
    ]);

    await deprovision(ctx(), { id: ready.id });
  });

  it("stays when the machine is deleted and comes back to the next one in that location", async () => {
    const first = await provision(ctx(), { owner: "alice", sshKey: key(), keepWork: true, volumeGb: "20" });
    const [made] = h.cloud.volumes();
    await deprovision(ctx(), { id: first.id });

    const kept = h.deps.store.workVolumes.open("alice", "fsn1");
    expect(kept).toMatchObject({ hetznerId: made?.id, instanceId: null, sizeGb: 20 });
    expect(h.cloud.volumes().map((v) => v.id)).toEqual([made?.id]);

    const second = await provision(ctx(), { owner: "alice", sshKey: key(), keepWork: true });
    expect(h.cloud.volumes().map((v) => v.id)).toEqual([made?.id]);
    expect(creates("/volumes")).toHaveLength(1);
    expect(h.cloud.volumes()[0]?.server).toBe(second.hetznerServerId);
    expect(h.deps.store.workVolumes.forInstance(second.id)?.hetznerId).toBe(made?.id);
    await deprovision(ctx(), { id: second.id });
  });

  it("is refused while another machine has it, and nothing is made", async () => {
    const first = await provision(ctx(), { owner: "alice", sshKey: key(), keepWork: true });
    const requestsBefore = h.cloud.requests.length;
    const instancesBefore = h.deps.store.list({ owner: "alice" }).length;

    const refusal = await provision(ctx(), { owner: "alice", sshKey: key(), keepWork: true }).catch(
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as UserError).code).toBe("volume_busy");
    expect((refusal as Error).message).toContain(`in use by ${first.id}`);
    expect((refusal as Error).message).toMatch(/Go without it .* or wait/);
    expect(h.cloud.servers()).toHaveLength(1);
    expect(h.cloud.volumes()).toHaveLength(1);
    expect(h.deps.store.list({ owner: "alice" })).toHaveLength(instancesBefore);
    expect(h.cloud.requests.slice(requestsBefore).filter((r) => r.method !== "GET")).toEqual([]);

    // Without it, the second machine is fine.
    const second = await provision(ctx(), { owner: "alice", sshKey: key() });
    expect(h.cloud.volumes()[0]?.server).toBe(first.hetznerServerId);
    await deprovision(ctx(), { id: second.id });
    await deprovision(ctx(), { id: first.id });
  });

  it("keeps volumes apart by location: another location gets its own", async () => {
    const a = await provision(ctx(), { owner: "alice", sshKey: key(), keepWork: true });
    const b = await provision(ctx(), { owner: "alice", sshKey: key(), keepWork: true, location: "nbg1" });
    expect(
      h.cloud
        .volumes()
        .map((v) => v.location.name)
        .sort(),
    ).toEqual(["fsn1", "nbg1"]);
    await deprovision(ctx(), { id: a.id });
    await deprovision(ctx(), { id: b.id });
  });

  it.each([
    ["too small", "5"],
    ["too large", "101"],
    ["not a number", "ten"],
    ["a fraction", "10.5"],
  ])("refuses a size %s, and makes nothing", async (_label, size) => {
    const refusal = await provision(ctx(), {
      owner: "alice",
      sshKey: key(),
      keepWork: true,
      volumeGb: size,
    }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as Error).message).toContain("10 to 100 GB");
    expect(h.deps.store.list()).toEqual([]);
    expect(h.cloud.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("prints the price before it makes the volume, on the CLI", async () => {
    const made = await runCcc(h, ["provision", "--ssh-key", key(), "--keep-work", "--volume-gb", "10"]);
    expect(made.code).toBe(0);
    // 10 GB at the fake's €0.044 net per GB-month, with 19 % VAT.
    expect(made.stderr).toContain("Work volume: a new 10 GB volume: €0.52/month in fsn1");
    expect(made.stderr.indexOf("Work volume")).toBeLessThan(made.stderr.indexOf("Creating the server"));
    // Only an SSH banner answers here, so the mount cannot happen: said plainly, the machine still works.
    expect(made.stderr).toContain("Work volume: attached, but the machine could not mount it");
    // The mount is a step of its own, with elapsed time, after the install and before the outcome.
    expect(made.stderr).toMatch(
      /\[ *\d+\.\ds\] ccc-\w+: Mounting your work volume at \/home\/claude\/work \(127\.0\.0\.\d+\)\n/,
    );
    expect(made.stderr.indexOf("Mounting your work volume")).toBeGreaterThan(
      made.stderr.indexOf("Installing NixOS"),
    );
    const [instance] = h.deps.store.list();
    await runCcc(h, ["deprovision", instance?.id ?? ""]);
  });
});
