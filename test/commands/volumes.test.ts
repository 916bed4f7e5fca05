import { describe, expect, it } from "vitest";
import { deprovision } from "../../src/commands/deprovision.ts";
import { volumesCommand } from "../../src/commands/volumes.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";
import { ADMIN, ALICE, BOB, freeVolume, machineWithVolume, thrown } from "../volumes/world.ts";

const h = useHarness();
const viewer = (actor = ALICE) => ({ now: h.deps.clock.now(), actor });

describe("volumes", () => {
  it("lists size, location, €/month from the price list, the machine that has it and last use", async () => {
    const machine = await machineWithVolume(h.deps);
    const [volume] = h.cloud.volumes();
    const attached = await volumesCommand.execute({ deps: h.deps, actor: ALICE }, {});
    expect(attached.json()).toEqual([
      expect.objectContaining({
        id: volume?.id,
        sizeGb: 10,
        location: "fsn1",
        monthly: { amount: "0.52", currency: "EUR" },
        attachedTo: machine.id,
        deleteAfter: null,
      }),
    ]);
    expect(attached.text(viewer())).toMatch(
      new RegExp(`${volume?.id}\\s+10 GB\\s+fsn1\\s+€0\\.52/month\\s+${machine.id}`),
    );

    await deprovision({ deps: h.deps, actor: ALICE }, { id: machine.id });
    h.cloud.settle();
    const free = await volumesCommand.execute({ deps: h.deps, actor: ALICE }, {});
    const [row] = free.json() as { attachedTo: string | null; lastUsedAt: string; deleteAfter: string }[];
    expect(row?.attachedTo).toBeNull();
    expect(Date.parse(row?.deleteAfter ?? "") - Date.parse(row?.lastUsedAt ?? "")).toBe(30 * 86_400_000);
    expect(free.blocks(viewer()).text).toContain(String(volume?.id));
  });

  it("shows only your own, and everyone's or another's only to admins", async () => {
    await freeVolume(h, "alice");
    await freeVolume(h, "bob");
    const mine = await volumesCommand.execute({ deps: h.deps, actor: BOB }, {});
    expect((mine.json() as { owner: string }[]).map((v) => v.owner)).toEqual(["bob"]);
    expect(
      await thrown(() => volumesCommand.execute({ deps: h.deps, actor: BOB }, { all: true })),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      await thrown(() => volumesCommand.execute({ deps: h.deps, actor: BOB }, { user: "alice" })),
    ).toBeInstanceOf(ForbiddenError);
    const all = await volumesCommand.execute({ deps: h.deps, actor: ADMIN }, { all: true });
    expect((all.json() as { owner: string }[]).map((v) => v.owner)).toEqual(["alice", "bob"]);
  });

  it("answers on the command line, in a table or as JSON", async () => {
    const id = await freeVolume(h, "opal");
    const text = await runCcc(h, ["volumes"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("PRICE");
    expect(text.stdout).toContain(`${id}`);
    const json = await runCcc(h, ["volumes", "--all", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id, owner: "opal" })]);
  });
});
