// hibernate: "Hibernate now" — the same save as the idle pass, refused for others and for machines
// that are not running; the hibernated DM says ssh will not answer and offers Wake.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hibernateCommand } from "../../src/commands/hibernate.ts";
import { ForbiddenError, UserError } from "../../src/core/errors.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { HIBERNATION_ACTIONS, hibernationNoticeMessage } from "../../src/render/hibernation-notices.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { type HibernateWorld, startHibernateWorld } from "../hibernate/hibernate-world.ts";
import { caught } from "./fixtures.ts";

const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
const BOB: Actor = { id: "U0BOB", isAdmin: false };
let w: HibernateWorld;
beforeEach(async () => {
  w = await startHibernateWorld();
});
afterEach(async () => {
  await w.close();
});
const ctx = (actor: Actor) => ({ deps: w.deps, actor });

describe.skipIf(sshdMissingReason !== null)("hibernate", () => {
  it("saves and deletes the server at once; the DM has Wake and says ssh will not answer", async () => {
    const m = await w.machine();
    const shown = await hibernateCommand.execute(ctx(ALICE), { id: m.id });
    expect(shown.failed).toBe(false);
    expect(shown.json()).toEqual({ id: m.id, hibernated: true });
    expect(shown.text({ now: w.clock.now(), actor: ALICE })).toMatch(
      new RegExp(`^${m.id} is hibernating: saved, server deleted, (4 h|3 h 59 min) of lifetime kept`),
    );
    expect(w.h.cloud.servers()).toEqual([]);
    const notice = w.notes.notices.at(-1);
    if (notice?.kind !== "hibernated") throw new Error("no hibernated DM");
    const dm = JSON.stringify(hibernationNoticeMessage(notice, w.clock.now()));
    expect(dm).toContain("ssh will not answer while it sleeps");
    expect(dm).toContain(HIBERNATION_ACTIONS.wake);
  });

  it("refuses someone else's machine and one that is not running, touching nothing", async () => {
    const m = await w.machine();
    expect(await caught(() => hibernateCommand.execute(ctx(BOB), { id: m.id }))).toBeInstanceOf(
      ForbiddenError,
    );
    await hibernateCommand.execute(ctx(ALICE), { id: m.id });
    const again = await caught(() => hibernateCommand.execute(ctx(ALICE), { id: m.id }));
    expect(again).toBeInstanceOf(UserError);
    expect(String(again)).toContain("only a running machine can hibernate");
    expect(w.h.cloud.images().filter((i) => i.type === "snapshot")).toHaveLength(1);
  });
});
