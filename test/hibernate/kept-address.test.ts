// A woken machine answers on the same `ssh` line: the hibernation keeps its server's Primary IPs
// (auto_delete off, labelled) and the wake creates the new server with them. Through the real sshd,
// the real ccc-apply and the fake Hetzner's Primary IP rules: the same IPv4/IPv6 after a wake, a failed
// wake keeps the snapshot and the addresses, a sleep past the window deletes them, and a refusal to
// keep them still hibernates (with the owner told the address will change).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deprovisionCommand } from "../../src/commands/deprovision.ts";
import { statusCommand } from "../../src/commands/status.ts";
import { wakeCommand } from "../../src/commands/wake.ts";
import { runIdlePass } from "../../src/core/hibernate/idle-sweep.ts";
import { KEPT_LABEL } from "../../src/core/hibernate/kept-addresses.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { hibernationNoticeMessage, hibernationNoticeText } from "../../src/render/hibernation-notices.ts";
import { sshCommand } from "../../src/render/text.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { type HibernateWorld, MINUTE, startHibernateWorld } from "./hibernate-world.ts";

const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
let w: HibernateWorld;

beforeEach(async () => {
  w = await startHibernateWorld();
});
afterEach(async () => {
  await w.close();
});

const pass = () => runIdlePass(w.deps);

async function hibernated(id: string) {
  w.clock.advance(26 * MINUTE);
  expect((await pass()).outcomes.map((o) => o.kind)).toEqual(["warned"]);
  w.clock.advance(5 * MINUTE);
  const [outcome] = (await pass()).outcomes;
  expect(outcome?.kind === "hibernate" && outcome.result.kind).toBe("hibernated");
  // Hetzner deletes the server a little later: its addresses are unassigned then.
  w.h.cloud.settle("delete_server");
  return w.deps.store.require(id);
}

const kept = () => w.h.cloud.primaryIps().filter((p) => p.labels[KEPT_LABEL] === "hibernation");

describe.skipIf(sshdMissingReason !== null)("the address kept over a hibernation", () => {
  it("wakes with the same IPv4, IPv6 and ssh line; the addresses go with the server when it ends", async () => {
    const m = await w.machine();
    const line = sshCommand(m, w.deps.timing.sshPort);
    await hibernated(m.id);
    await w.serverGone(m.ipv4 as string);

    // Asleep: both addresses are still there, unassigned, kept (not deleted with a server), labelled.
    expect(w.h.cloud.servers()).toEqual([]);
    expect(
      kept()
        .map((p) => ({
          type: p.type,
          assignee: p.assignee_id,
          autoDelete: p.auto_delete,
          id: p.labels["ccc-instance"],
        }))
        .sort((a, b) => a.type.localeCompare(b.type)),
    ).toEqual([
      { type: "ipv4", assignee: null, autoDelete: false, id: m.id },
      { type: "ipv6", assignee: null, autoDelete: false, id: m.id },
    ]);
    expect(kept().find((p) => p.type === "ipv4")?.ip).toBe(m.ipv4);
    // The DM says the address stays, and no longer that it may change.
    const dm = w.notes.notices.find((n) => n.kind === "hibernated");
    if (dm?.kind !== "hibernated") throw new Error("no hibernation DM");
    expect(dm.keptAddress).toBe(m.ipv4);
    expect(hibernationNoticeText(dm)).toContain(
      `Its address ${m.ipv4} is kept: the same ssh line answers after the wake.`,
    );
    expect(JSON.stringify(hibernationNoticeMessage(dm, w.clock.now()).blocks)).not.toMatch(
      /new address|may change/,
    );

    // status says so too.
    const status = await statusCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    expect(status.text({ now: w.clock.now(), actor: ALICE })).toContain(
      `idle:     address ${m.ipv4} kept: the same ssh line after the wake`,
    );
    expect(status.json()).toMatchObject({ hibernation: { keptAddress: m.ipv4 } });

    w.clock.advance(60 * MINUTE);
    w.notes.clear();
    const shown = await wakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    const woken = w.deps.store.require(m.id);
    expect(woken.status).toBe("ready");
    expect(woken.ipv4).toBe(m.ipv4);
    expect(woken.ipv6).toBe(m.ipv6);
    expect(sshCommand(woken, w.deps.timing.sshPort)).toBe(line);
    expect(shown.text({ now: w.clock.now(), actor: ALICE, sshPort: w.deps.timing.sshPort })).toContain(line);
    // The server was created with the kept addresses, and the machine answers there (the real sshd).
    const create = w.h.cloud.requests.filter((r) => r.method === "POST" && r.path === "/servers").at(-1);
    const ids = w.h.cloud.primaryIps();
    expect((create?.body as { public_net?: unknown } | undefined)?.public_net).toEqual({
      enable_ipv4: true,
      enable_ipv6: true,
      ipv4: ids.find((p) => p.type === "ipv4")?.id,
      ipv6: ids.find((p) => p.type === "ipv6")?.id,
    });
    expect((await w.sshd(m.ipv4 as string))?.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);

    // Awake, they go with the server again: auto_delete on, the kept label off.
    expect(kept()).toEqual([]);
    expect(w.h.cloud.primaryIps().map((p) => [p.auto_delete, p.assignee_id])).toEqual([
      [true, woken.hetznerServerId],
      [true, woken.hetznerServerId],
    ]);
    expect(w.deps.store.keptAddresses.current(m.id)).toBeNull();

    await deprovisionCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    w.h.cloud.settle("delete_server");
    expect(w.h.cloud.primaryIps()).toEqual([]);
  });

  it("a failed wake keeps the snapshot and the addresses; the next wake gets them", async () => {
    const m = await w.machine();
    await hibernated(m.id);
    await w.serverGone(m.ipv4 as string);
    // The server is made, but it never starts: ccc deletes it and the machine stays asleep.
    w.h.cloud.failNextAction("create_server", { code: "server_error", message: "host failed" });
    await expect(wakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id })).rejects.toThrow();
    w.h.cloud.settle("delete_server");
    expect(w.deps.store.hibernation.current(m.id)?.state).toBe("asleep");
    expect(w.deps.store.snapshots.get(m.id)?.status).toBe("available");
    expect(
      kept()
        .map((p) => [p.type, p.assignee_id, p.auto_delete])
        .sort(),
    ).toEqual([
      ["ipv4", null, false],
      ["ipv6", null, false],
    ]);
    expect(w.deps.store.keptAddresses.current(m.id)?.ipv4).toBe(m.ipv4);

    await wakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    expect(w.deps.store.require(m.id)).toMatchObject({ status: "ready", ipv4: m.ipv4, ipv6: m.ipv6 });
  });

  it("deletes the addresses when the sleep ends past the window, and not before", async () => {
    const m = await w.machine();
    await hibernated(m.id);
    w.clock.advance(6 * 24 * 60 * MINUTE);
    expect((await pass()).addressesReleased).toEqual([]);
    expect(kept()).toHaveLength(2);
    w.clock.advance(24 * 60 * MINUTE);
    const summary = await pass();
    expect(summary.ended).toEqual([m.id]);
    expect(summary.addressesReleased).toEqual([m.id]);
    expect(w.h.cloud.primaryIps()).toEqual([]);
    expect(w.deps.store.keptAddresses.current(m.id)).toBeNull();
    // The snapshot follows the ordinary retention.
    expect(w.deps.store.snapshots.get(m.id)?.status).toBe("available");
  });

  it("hibernates all the same when Hetzner refuses to keep the address, and says it will change", async () => {
    const m = await w.machine();
    w.h.cloud.failNext(
      { method: "PUT", path: /^\/primary_ips\/\d+$/ },
      { status: 403, code: "forbidden", message: "insufficient permissions" },
    );
    await hibernated(m.id);
    const dm = w.notes.notices.find((n) => n.kind === "hibernated");
    if (dm?.kind !== "hibernated") throw new Error("no hibernation DM");
    expect(dm.keptAddress).toBeNull();
    expect(hibernationNoticeText(dm)).toContain(
      "Its address could not be kept: after the wake it has a new one",
    );
    // Nothing outlives the server by accident.
    expect(w.h.cloud.primaryIps()).toEqual([]);
    expect(w.deps.store.keptAddresses.current(m.id)).toBeNull();
    expect(w.deps.store.hibernation.current(m.id)?.state).toBe("asleep");
  });
});
