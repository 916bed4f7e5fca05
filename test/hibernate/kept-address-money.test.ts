// What kept addresses cost while their machines sleep (usage text, JSON, the API's schema, Slack,
// per person and for the team), and reconcile: a labelled kept address the store does not know is
// reported, and deleted once its wake window is over; one the store keeps is left alone.
import { describe, expect, it } from "vitest";
import { usage, usageBlocks, usageJson, usageText } from "../../src/commands/usage.ts";
import { KEPT_LABEL, keptLabels } from "../../src/core/hibernate/kept-addresses.ts";
import { runReconcile } from "../../src/core/lifecycle/reconcile.ts";
import { usageSchema } from "../../src/render/schemas/money-schemas.ts";
import { ADMIN, ALICE, BOB, type StoreWorld, startStoreWorld } from "../commands/fixtures.ts";
import { perTest } from "../helpers/per-test.ts";

const HOUR = 3_600_000;
const w = perTest(
  () => startStoreWorld({ fakeHetzner: true }),
  () => {},
);

/** A machine of `owner` whose addresses were kept from `from` (€0.001 an hour), released at `to` unless null. */
function keptFor(world: StoreWorld, owner: string, from: string, to: string | null) {
  world.clock.set(new Date(from));
  const m = world.plant(owner);
  const kept = world.deps.store.keptAddresses.keep({
    instanceId: m.id,
    owner,
    location: "fsn1",
    ipv4Id: 1,
    ipv4: "203.0.113.9",
    ipv6Id: 2,
    ipv6: "2001:db8::1",
    hourly: "0.0010000000",
    keptAt: world.clock.now(),
  });
  if (to !== null) world.deps.store.keptAddresses.release(kept.id, "woken", new Date(to));
  return m;
}

async function keptAddressAtHetzner(world: StoreWorld, instanceId: string, until: Date) {
  const fake = world.fake;
  if (!fake) throw new Error("no fake Hetzner");
  const res = await fetch(`${fake.url}/primary_ips`, {
    method: "POST",
    headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: `kept-${instanceId}`,
      type: "ipv4",
      assignee_type: "server",
      location: "fsn1",
      labels: keptLabels({ id: instanceId, owner: ALICE.id }, until),
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { primary_ip: { id: number } }).primary_ip.id;
}

describe("addresses kept while asleep", () => {
  it("cost their hours at Hetzner's price, said apart in every door, per person for the team", () => {
    // Alice's were kept 100 hours (then woken), Bob's 20 hours so far.
    keptFor(w, ALICE.id, "2026-11-05T00:00:00Z", "2026-11-09T04:00:00Z");
    keptFor(w, BOB.id, "2026-11-20T00:00:00Z", null);
    w.clock.set(new Date("2026-11-20T20:00:00Z"));

    const alice = usage(w.ctx(ALICE), { month: "2026-11" });
    const json = usageJson(alice) as { hibernationAddresses: unknown };
    expect(json.hibernationAddresses).toEqual({
      cost: { amount: "0.10", currency: "EUR" },
      hours: 100,
      byOwner: { [ALICE.id]: { cost: { amount: "0.10", currency: "EUR" }, hours: 100 } },
    });
    expect(usageSchema.parse(json)).toHaveProperty("hibernationAddresses.hours", 100);
    expect(usageText(alice)).toContain(
      "addresses kept while asleep: €0.10 for 100 hours (Primary IPs, on top of the spend above)",
    );
    expect(JSON.stringify(usageBlocks(alice).blocks)).toContain(
      "Addresses kept while asleep: €0.10 for 100 hours (on top of the spend above)",
    );

    const team = usage(w.ctx(ADMIN), { month: "2026-11", all: true });
    expect(usageText(team)).toContain("addresses kept while asleep: €0.12 for 120 hours");
    expect(usageText(team, { names: new Map([[BOB.id, "Bob"]]) })).toContain(
      `    Bob (${BOB.id}): €0.02, 20 h`,
    );
    expect(JSON.stringify(usageBlocks(team).blocks)).toContain(`<@${BOB.id}>: €0.02, 20 h`);

    // October: nothing kept, nothing said.
    const october = usage(w.ctx(ALICE), { month: "2026-10" });
    expect(usageJson(october)).not.toHaveProperty("hibernationAddresses");
    expect(usageText(october)).not.toContain("addresses kept");
  });

  it("reconcile reports a kept address the store does not know, and deletes it once its window is over", async () => {
    const now = w.clock.now();
    const waiting = await keptAddressAtHetzner(w, "ccc-lost01", new Date(now.getTime() + 2 * 24 * HOUR));
    const over = await keptAddressAtHetzner(w, "ccc-lost02", new Date(now.getTime() - HOUR));
    // One the store keeps is not an orphan, whatever its label says.
    const m = keptFor(w, ALICE.id, now.toISOString(), null);
    const mine = await keptAddressAtHetzner(w, m.id, new Date(now.getTime() - HOUR));
    const current = w.deps.store.keptAddresses.current(m.id);
    if (!current) throw new Error("not kept");
    // Its record names the address at Hetzner.
    w.deps.store.keptAddresses.release(current.id, "deleted", now);
    const { id: _id, releasedAt: _released, outcome: _outcome, ...kept } = current;
    w.deps.store.keptAddresses.keep({ ...kept, ipv4Id: mine, ipv6Id: null, keptAt: now });

    const dry = await runReconcile(w.deps, { graceMinutes: 5, dryRun: true });
    expect(
      dry.findings.filter((f) => f.kind === "orphan_address").map((f) => [f.instanceId, f.action, f.outcome]),
    ).toEqual([
      ["ccc-lost01", "wait", "waiting"],
      ["ccc-lost02", "delete_address", "dry_run"],
    ]);
    expect(w.fake?.primaryIps()).toHaveLength(3);

    const done = await runReconcile(w.deps, { graceMinutes: 5 });
    expect(done.findings.filter((f) => f.kind === "orphan_address").map((f) => f.outcome)).toEqual([
      "waiting",
      "done",
    ]);
    expect(
      w.fake
        ?.primaryIps()
        .map((p) => p.id)
        .sort(),
    ).toEqual([waiting, mine].sort());
    expect(w.fake?.primaryIps().every((p) => p.labels[KEPT_LABEL] === "hibernation")).toBe(true);
    expect(w.notes.summary()).toEqual(["admin_alert"]);
    expect(w.fake?.primaryIps().some((p) => p.id === over)).toBe(false);
  });
});
