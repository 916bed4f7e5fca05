// keep-awake: one more idle period, or a deadline; bad input and other people are refused, nothing written.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keepAwakeCommand } from "../../src/commands/keep-awake.ts";
import { ForbiddenError, UserError } from "../../src/core/errors.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
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
const ctx = (actor: Actor) => ({ deps: w.deps, actor });

describe("keep-awake", () => {
  it("keeps awake for hours, shown in text and JSON", async () => {
    const { instance } = await plant(w.deps, { owner: ALICE.id, minutes: 600 });
    const shown = await keepAwakeCommand.execute(ctx(ALICE), { id: instance.id, hours: "3" });
    const until = new Date(w.clock.now().getTime() + 3 * 3_600_000);
    expect(shown.json()).toMatchObject({ id: instance.id, keepAwakeUntil: until.toISOString() });
    expect(shown.text({ now: w.clock.now(), actor: ALICE })).toContain(`${instance.id} is kept awake until`);
    expect(w.deps.store.events(instance.id).at(-1)).toMatchObject({ kind: "kept_awake", actor: ALICE.id });
  });

  it("refuses 25 hours, someone else's machine and a deleted one, writing nothing", async () => {
    const { instance } = await plant(w.deps, { owner: ALICE.id, minutes: 600 });
    const tooLong = await caught(() => keepAwakeCommand.execute(ctx(ALICE), { id: instance.id, hours: 25 }));
    expect(tooLong).toBeInstanceOf(UserError);
    expect(await caught(() => keepAwakeCommand.execute(ctx(BOB), { id: instance.id }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect(w.deps.store.hibernation.activity(instance.id)).toBeNull();
    w.deps.store.update(instance.id, { status: "deleted" }, { actor: "test", kind: "deleted" });
    expect(String(await caught(() => keepAwakeCommand.execute(ctx(ALICE), { id: instance.id })))).toContain(
      "only a running machine can be kept awake",
    );
  });
});
