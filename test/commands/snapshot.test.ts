// Deleting a snapshot, or keeping it longer; only its owner or an admin may.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { snapshotCommand } from "../../src/commands/snapshot.ts";
import { ForbiddenError, NotFoundError } from "../../src/core/errors.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { startWorld, type World } from "../lifecycle/world.ts";
import { ADMIN, ALICE, BOB, savedMachine } from "../snapshots/saved-world.ts";
import { caught } from "./fixtures.ts";

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

const ctx = (actor: Actor) => ({ deps: w.deps, actor });
const snapshots = () => w.h.cloud.images().filter((i) => i.type === "snapshot");

describe("snapshot", () => {
  it("deletes the image and closes the row; someone else's is refused and kept", async () => {
    const id = await savedMachine(w);
    expect(await caught(() => snapshotCommand.execute(ctx(BOB), { action: "delete", id }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect(snapshots()).toHaveLength(1);
    const shown = await snapshotCommand.execute(ctx(ALICE), { action: "delete", id });
    expect(shown.text({ now: w.clock.now(), actor: ALICE })).toBe(`The snapshot ${id} is deleted.`);
    expect(snapshots()).toEqual([]);
    expect(w.deps.store.snapshots.get(id)?.status).toBe("deleted");
    expect(await caught(() => snapshotCommand.execute(ctx(ALICE), { action: "delete", id }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("keeps one for another retention period, on the image's label too", async () => {
    const id = await savedMachine(w);
    w.clock.advance(6 * 86_400_000);
    await snapshotCommand.execute(ctx(ADMIN), { action: "keep", id });
    const until = w.clock.now().getTime() + 7 * 86_400_000;
    expect(w.deps.store.snapshots.get(id)?.expiresAt).toEqual(new Date(until));
    expect(snapshots()[0]?.labels["ccc-expires-at"]).toBe(String(Math.floor(until / 1000)));
  });

  it("refuses an unknown action before anything is looked up", async () => {
    expect(
      await caught(() => snapshotCommand.execute(ctx(ALICE), { action: "nuke", id: "ccc-abcdef" })),
    ).toMatchObject({
      field: "action",
    });
  });
});
