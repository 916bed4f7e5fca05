// wake: a hibernated machine back under its own id with its host key; refusals change nothing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hibernateCommand } from "../../src/commands/hibernate.ts";
import { wakeCommand } from "../../src/commands/wake.ts";
import { ForbiddenError, NotFoundError, UserError } from "../../src/core/errors.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { type HibernateWorld, startHibernateWorld } from "../hibernate/hibernate-world.ts";
import { caught } from "./fixtures.ts";

const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
const BOB: Actor = { id: "U0BOB", isAdmin: false };
const ADMIN: Actor = { id: "U0ADMIN", isAdmin: true };
let w: HibernateWorld;
beforeEach(async () => {
  w = await startHibernateWorld();
});
afterEach(async () => {
  await w.close();
});
const ctx = (actor: Actor) => ({ deps: w.deps, actor });
const creates = () => w.h.cloud.requests.filter((r) => r.method === "POST" && r.path === "/servers").length;

describe.skipIf(sshdMissingReason !== null)("wake", () => {
  it("refuses what is not asleep, someone else's machine and a bad id, creating nothing", async () => {
    const m = await w.machine();
    const before = creates();
    expect(await caught(() => wakeCommand.execute(ctx(ALICE), { id: "nope" }))).toBeInstanceOf(UserError);
    const awake = await caught(() => wakeCommand.execute(ctx(ALICE), { id: m.id }));
    expect(String(awake)).toContain("is not hibernating: it is ready");
    expect(await caught(() => wakeCommand.execute(ctx(ALICE), { id: "ccc-zzzzzz" }))).toBeInstanceOf(
      NotFoundError,
    );
    await hibernateCommand.execute(ctx(ALICE), { id: m.id });
    await w.serverGone(m.ipv4 as string);
    expect(await caught(() => wakeCommand.execute(ctx(BOB), { id: m.id }))).toBeInstanceOf(ForbiddenError);
    expect(creates()).toBe(before);
    expect(w.deps.store.hibernation.current(m.id)?.state).toBe("asleep");
  });

  it("an admin wakes anyone's machine; JSON says woken with the same id", async () => {
    const m = await w.machine();
    await hibernateCommand.execute(ctx(ALICE), { id: m.id });
    await w.serverGone(m.ipv4 as string);
    const shown = await wakeCommand.execute(ctx(ADMIN), { id: m.id });
    expect(shown.json()).toMatchObject({ id: m.id, status: "ready", woken: true });
    const blocks = JSON.stringify(shown.blocks({ now: w.clock.now(), actor: ADMIN }));
    expect(blocks).toContain("awake again, with the same id and host key");
    expect(w.deps.store.require(m.id).hostKey).toBe(w.hostKey.publicKey);
  });
});
