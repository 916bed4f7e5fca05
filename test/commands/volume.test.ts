import { describe, expect, it } from "vitest";
import { deprovision } from "../../src/commands/deprovision.ts";
import { volumeCommand } from "../../src/commands/volume.ts";
import { ForbiddenError, NotFoundError, UserError } from "../../src/core/errors.ts";
import { VOLUME_ACTIONS } from "../../src/render/block-kit/volume-blocks.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";
import { ADMIN, ALICE, BOB, freeVolume, machineWithVolume, thrown } from "../volumes/world.ts";

const h = useHarness();
const del = (actor: typeof ALICE, id: unknown, confirmed = true) =>
  volumeCommand.execute({ deps: h.deps, actor }, { action: "delete", id, confirmed });

describe("volume delete", () => {
  it("asks first in Slack (a button), and deletes only when it is pressed", async () => {
    const id = await freeVolume(h);
    const asked = await del(ALICE, String(id), false);
    expect(asked.json()).toMatchObject({ kind: "confirm", id });
    const blocks = JSON.stringify(asked.blocks({ now: h.deps.clock.now(), actor: ALICE }).blocks);
    expect(blocks).toContain(VOLUME_ACTIONS.confirmDelete);
    expect(h.cloud.volumes()).toHaveLength(1);

    const done = await del(ALICE, String(id));
    expect(done.json()).toMatchObject({ kind: "deleted", id });
    expect(h.cloud.volumes()).toEqual([]);
    expect(h.deps.store.workVolumes.open("alice", "fsn1")).toBeNull();
  });

  it("is refused while a machine has the volume, and for others' volumes; an admin may", async () => {
    const machine = await machineWithVolume(h.deps);
    const [volume] = h.cloud.volumes();
    const attached = await thrown(() => del(ALICE, volume?.id));
    expect(attached).toBeInstanceOf(UserError);
    expect((attached as Error).message).toContain(`attached to ${machine.id}`);
    expect(await thrown(() => del(ADMIN, volume?.id))).toBeInstanceOf(UserError);
    await deprovision({ deps: h.deps, actor: ALICE }, { id: machine.id });
    h.cloud.settle();

    expect(await thrown(() => del(BOB, volume?.id))).toBeInstanceOf(ForbiddenError);
    expect(await thrown(() => del(BOB, volume?.id, false))).toBeInstanceOf(ForbiddenError);
    expect(h.cloud.volumes()).toHaveLength(1);
    await del(ADMIN, volume?.id);
    expect(h.cloud.volumes()).toEqual([]);
  });

  it.each([
    ["an unknown id", "4711", NotFoundError],
    ["an id that is no number", "vol-1", UserError],
    ["another action", null, UserError],
  ])("refuses %s and deletes nothing", async (_label, id, kind) => {
    await freeVolume(h);
    const refusal = await thrown(() =>
      id === null
        ? volumeCommand.execute({ deps: h.deps, actor: ALICE }, { action: "resize", id: "1" })
        : del(ALICE, id),
    );
    expect(refusal).toBeInstanceOf(kind);
    expect(h.cloud.volumes()).toHaveLength(1);
  });

  it("deletes from the command line", async () => {
    const id = await freeVolume(h, "opal");
    const run = await runCcc(h, ["volume", "delete", String(id)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Volume ${id} (10 GB in fsn1) is deleted`);
    expect(h.cloud.volumes()).toEqual([]);
    const again = await runCcc(h, ["volume", "delete", String(id)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`no work volume ${id}`);
  });
});
