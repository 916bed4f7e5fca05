// Save: a snapshot of the server, then the normal delete; a failed snapshot keeps the machine; and
// every refusal changes nothing at Hetzner.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { saveCommand } from "../../src/commands/save.ts";
import { ForbiddenError, QuotaError, UserError } from "../../src/core/errors.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { plant, startWorld, type World } from "../lifecycle/world.ts";
import { caught } from "./fixtures.ts";

const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
const BOB: Actor = { id: "U0BOB", isAdmin: false };

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

/** A ready machine of Alice's with its server at the fake and a pinned host key. */
async function aliceMachine() {
  const { instance } = await plant(w.deps, { owner: ALICE.id, minutes: 120 });
  const hostKey = generateHostKey(`root@${instance.id}`).publicKey;
  return w.deps.store.update(instance.id, { hostKey }, { actor: "test", kind: "installed" });
}

const ctx = (actor: Actor) => ({ deps: w.deps, actor });
const calls = () => w.h.cloud.requests.map((r) => `${r.method} ${r.path}`);

describe("save", () => {
  it("snapshots the server with ccc's labels, waits for it, then deletes the machine", async () => {
    const machine = await aliceMachine();
    const server = machine.hetznerServerId as number;
    const shown = await saveCommand.execute(ctx(ALICE), { id: machine.id });
    expect(shown.failed).toBe(false);
    expect(shown.text({ now: w.clock.now(), actor: ALICE })).toContain(`ccc restore ${machine.id}`);

    const made = calls();
    const snap = made.indexOf(`POST /servers/${server}/actions/create_image`);
    expect(snap).toBeGreaterThanOrEqual(0);
    expect(made.indexOf(`DELETE /servers/${server}`)).toBeGreaterThan(snap);
    const [image] = w.h.cloud.images().filter((i) => i.type === "snapshot");
    const retentionEnd = w.clock.now().getTime() + 7 * 86_400_000;
    expect(image?.labels).toEqual({
      "managed-by": "ccc",
      "ccc-owner": ALICE.id,
      "ccc-instance": machine.id,
      "ccc-expires-at": String(Math.floor(retentionEnd / 1000)),
    });
    expect(w.deps.store.require(machine.id).status).toBe("deleted");
    expect(w.h.cloud.servers()).toEqual([]);
    expect(w.deps.store.snapshots.get(machine.id)).toMatchObject({
      status: "available",
      imageId: image?.id,
      hostKey: machine.hostKey,
      architecture: "x86",
      diskGb: 40,
      imageSizeGb: 1.5,
      serverType: "cx23",
      location: "fsn1",
      expiresAt: new Date(retentionEnd),
    });
    expect(w.notes.summary()).toEqual([`saved ${machine.id}`]);
  });

  it("keeps the machine when the snapshot fails, tells the owner, and may be tried again", async () => {
    const machine = await aliceMachine();
    w.h.cloud.failNextAction("create_image", { code: "image_failed", message: "disk read error" });
    const shown = await saveCommand.execute(ctx(ALICE), { id: machine.id });
    expect(shown.failed).toBe(true);
    expect(shown.text({ now: w.clock.now(), actor: ALICE })).toMatch(/could not be saved .*not deleted/);
    expect(w.deps.store.require(machine.id).status).toBe("ready");
    expect(w.h.cloud.servers().map((s) => s.id)).toEqual([machine.hetznerServerId]);
    expect(calls()).not.toContain(`DELETE /servers/${machine.hetznerServerId}`);
    expect(w.deps.store.snapshots.get(machine.id)?.status).toBe("failed");
    expect(w.notes.summary()).toEqual([`save_failed ${machine.id}`]);

    const again = await saveCommand.execute(ctx(ALICE), { id: machine.id });
    expect(again.failed).toBe(false);
    expect(w.deps.store.require(machine.id).status).toBe("deleted");
  });

  it("refuses someone else's machine, a second save and a full quota, and changes nothing", async () => {
    const machine = await aliceMachine();
    expect(await caught(() => saveCommand.execute(ctx(BOB), { id: machine.id }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect(await caught(() => saveCommand.execute(ctx(ALICE), { id: "nope" }))).toMatchObject({
      field: "id",
    });
    expect(calls().filter((c) => c.includes("create_image"))).toEqual([]);

    // A slow snapshot: a second save meanwhile is refused.
    w.h.cloud.setActionDuration(60_000, "create_image");
    const first = saveCommand.execute(ctx(ALICE), { id: machine.id });
    await waitForState(() => w.deps.store.snapshots.get(machine.id)?.imageId, 5_000, "the snapshot to start");
    const second = await caught(() => saveCommand.execute(ctx(ALICE), { id: machine.id }));
    expect(second).toBeInstanceOf(UserError);
    expect(second).toMatchObject({
      code: "already_saving",
      message: `${machine.id} is already being saved.`,
    });
    w.h.cloud.settle("create_image");
    await first;
    expect(calls().filter((c) => c.includes("create_image"))).toHaveLength(1);

    // Quota of one: the next save names the snapshot to delete.
    w.deps.snapshots = { retentionDays: 7, maxPerUser: 1 };
    const other = await aliceMachine();
    const full = await caught(() => saveCommand.execute(ctx(ALICE), { id: other.id }));
    expect(full).toBeInstanceOf(QuotaError);
    expect((full as Error).message).toContain(`the oldest is ${machine.id}`);
    expect(w.deps.store.require(other.id).status).toBe("ready");
    expect(calls().filter((c) => c.includes("create_image"))).toHaveLength(1);
    // The refusal let go of the machine's lease: with room again, the save goes ahead.
    w.deps.snapshots = { retentionDays: 7, maxPerUser: 2 };
    const saving = saveCommand.execute(ctx(ALICE), { id: other.id });
    await waitForState(() => w.deps.store.snapshots.get(other.id)?.imageId, 5_000, "the second snapshot");
    w.h.cloud.settle("create_image");
    expect((await saving).json()).toMatchObject({ saved: true });
    expect(w.deps.store.require(other.id).status).toBe("deleted");
  });

  it("refuses a machine that is not ready", async () => {
    const { instance } = await plant(w.deps, { owner: ALICE.id, minutes: 120, status: "installing" });
    expect(await caught(() => saveCommand.execute(ctx(ALICE), { id: instance.id }))).toMatchObject({
      code: "not_ready",
    });
    expect(w.deps.store.snapshots.get(instance.id)).toBeNull();
    await w.deps.cloud.deleteServer(instance.hetznerServerId as number);
    w.deps.store.remove(instance.id, { actor: "test", kind: "deleted" });
  });
});
