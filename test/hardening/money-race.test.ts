// Money-changing requests at the same moment, through every door: 20 extends or provisions at once
// never commit more than the budget or the hourly provision limit allow, in one process or several.
import { describe, expect, it } from "vitest";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { call, tokenFor } from "../api/api-client.ts";
import { ALICE, answerShown } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { pricedMachine } from "../usage/priced-machine.ts";

const HOUR = 3_600_000;
const AT_ONCE = 20;

/** Hours added to `machines` in all, from the store, and the extends it recorded. */
function hoursAdded(deps: CoreDeps, machines: Instance[]) {
  const added = machines.reduce(
    (sum, m) => sum + (deps.store.require(m.id).expiresAt.getTime() - m.expiresAt.getTime()),
    0,
  );
  const extended = machines.flatMap((m) => deps.store.events(m.id)).filter((e) => e.kind === "extended");
  return { hours: added / HOUR, extends: extended.length };
}

/** Each server's `ccc-expires-at` label ends equal to the store (whole seconds). */
function labelsAgree(h: Harness, deps: CoreDeps, machines: Instance[]) {
  for (const m of machines) {
    const server = h.cloud.servers().find((s) => s.name === m.id);
    const stored = deps.store.require(m.id).expiresAt.getTime();
    expect(server?.labels["ccc-expires-at"]).toBe(String(Math.floor(stored / 1000)));
  }
}

/** Alice's machines requested (the hourly limit counts these, deleted ones included). */
function requested(deps: CoreDeps, owner = ALICE) {
  return deps.store.list({ owner, includeEnded: true });
}

describe("the CLI, 20 commands at once in one process (each with its own database connection)", () => {
  it("extends two machines at once: never past the budget", async () => {
    const h = await startHarness();
    try {
      const machines = [await pricedMachine(h.deps, ALICE), await pricedMachine(h.deps, ALICE)];
      // Two machines with an hour each: €0.20 committed of €0.40, room for two more hours in all.
      const env = { CCC_USER_MONTHLY_BUDGET_EUR: "0.40" };
      const runs = await Promise.all(
        Array.from({ length: AT_ONCE }, (_, i) =>
          runCcc(h, ["extend", (machines[i % 2] as Instance).id, "1"], { env }),
        ),
      );
      expect(runs.filter((r) => r.code === 0)).toHaveLength(2);
      const refused = runs.filter((r) => r.code !== 0);
      expect(refused.every((r) => /This would bring you to €0\.50 of your €0\.40|busy/.test(r.stderr))).toBe(
        true,
      );
      expect(hoursAdded(h.deps, machines)).toEqual({ hours: 2, extends: 2 });
      labelsAgree(h, h.deps, machines);
    } finally {
      await h.close();
    }
  });

  it("provisions at once: no more than the hourly limit, and no more than the budget", async () => {
    const h = await startHarness();
    try {
      const key = makeKeyPair().publicKey;
      const provision = (env: Record<string, string>, user: string) =>
        runCcc(h, ["provision", "--ssh-key", key, "--user", user, "--hours", "2", "--type", "cx23"], {
          env: { CCC_MAX_INSTANCES_PER_USER: "50", ...env },
        });
      const limited = await Promise.all(
        Array.from({ length: AT_ONCE }, () => provision({ CCC_MAX_PROVISIONS_PER_HOUR: "3" }, ALICE)),
      );
      expect(limited.filter((r) => r.code === 0)).toHaveLength(3);
      expect(limited.filter((r) => r.stderr.includes("the limit is 3 an hour"))).toHaveLength(AT_ONCE - 3);
      expect(requested(h.deps)).toHaveLength(3);
      // cx23 costs €0.0048741096 an hour: €0.01 is one machine for two hours, not two.
      const budgeted = await Promise.all(
        Array.from({ length: AT_ONCE }, () => provision({ CCC_USER_MONTHLY_BUDGET_EUR: "0.01" }, "U0BOB")),
      );
      expect(budgeted.filter((r) => r.code === 0)).toHaveLength(1);
      expect(budgeted.filter((r) => r.stderr.includes("This would bring you to"))).toHaveLength(AT_ONCE - 1);
      expect(requested(h.deps, "U0BOB")).toHaveLength(1);
    } finally {
      for (const s of h.cloud.servers()) await h.deps.cloud.deleteServer(s.id);
      await h.close();
    }
  });
});

describe("the HTTP API, 20 requests at once", () => {
  const b = useBotHarness(() => ({
    env: {
      CCC_API_RATE_PER_MINUTE: "1000",
      CCC_MAX_INSTANCES_PER_USER: "50",
      CCC_MAX_PROVISIONS_PER_HOUR: "3",
    },
  }));

  it("extends on two machines: never past the budget", async () => {
    const deps = b.running.bot.deps;
    const machines = [await pricedMachine(deps, ALICE), await pricedMachine(deps, ALICE)];
    deps.store.budgets.put({ user: ALICE, eur: "0.40", setBy: "test", setAt: deps.clock.now() });
    const alice = tokenFor(b, ALICE);
    const answers = await Promise.all(
      Array.from({ length: AT_ONCE }, (_, i) =>
        call(b, "POST", `/instances/${(machines[i % 2] as Instance).id}/extend`, {
          token: alice,
          body: { hours: 1 },
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(answers.filter((a) => a.error?.code === "over_budget")).toHaveLength(AT_ONCE - 2);
    expect(hoursAdded(deps, machines)).toEqual({ hours: 2, extends: 2 });
    labelsAgree(b.h, deps, machines);
    for (const m of machines) await call(b, "DELETE", `/instances/${m.id}`, { token: alice });
  });

  it("provisions: no more than the budget, then no more than the hourly limit", async () => {
    const deps = b.running.bot.deps;
    const body = () => ({ sshKey: makeKeyPair().publicKey, hours: 2, serverType: "cx23", location: "fsn1" });
    const post = (token: string) =>
      Promise.all(
        Array.from({ length: AT_ONCE }, () => call(b, "POST", "/instances", { token, body: body() })),
      );
    // €0.01 is one cx23 for two hours.
    deps.store.budgets.put({ user: ALICE, eur: "0.01", setBy: "test", setAt: deps.clock.now() });
    const budgeted = await post(tokenFor(b, ALICE));
    expect(budgeted.filter((a) => a.status === 202)).toHaveLength(1);
    expect(budgeted.filter((a) => a.error?.code === "over_budget")).toHaveLength(AT_ONCE - 1);
    expect(requested(deps)).toHaveLength(1);
    const limited = await post(tokenFor(b, "U0BOB"));
    expect(limited.filter((a) => a.status === 202)).toHaveLength(3);
    expect(limited.filter((a) => a.status === 429 || a.error?.code === "quota_exceeded")).toHaveLength(
      AT_ONCE - 3,
    );
    expect(requested(deps, "U0BOB")).toHaveLength(3);
    await b.running.bot.tasks.idle();
    for (const i of deps.store.list()) {
      await call(b, "DELETE", `/instances/${i.id}`, { token: tokenFor(b, i.owner) });
    }
  });
});

describe("Slack, 20 requests at once", () => {
  const b = useBotHarness(() => ({
    env: { CCC_MAX_INSTANCES_PER_USER: "50", CCC_MAX_PROVISIONS_PER_HOUR: "3" },
  }));

  it("extends on two machines: never past the budget", async () => {
    const deps = b.running.bot.deps;
    const machines = [await pricedMachine(deps, ALICE), await pricedMachine(deps, ALICE)];
    deps.store.budgets.put({ user: ALICE, eur: "0.40", setBy: "test", setAt: deps.clock.now() });
    const answers = await Promise.all(
      Array.from({ length: AT_ONCE }, async (_, i) => {
        const url = b.slack.responseUrl();
        const text = `extend ${(machines[i % 2] as Instance).id} 1`;
        const res = await b.send.command(ALICE, text, url);
        return answerShown(b.slack, res.json, url, text);
      }),
    );
    expect(answers.filter((a) => a.includes("Extended"))).toHaveLength(2);
    expect(answers.filter((a) => a.includes("This would bring you to €0.50 of your €0.40"))).toHaveLength(
      AT_ONCE - 2,
    );
    expect(hoursAdded(deps, machines)).toEqual({ hours: 2, extends: 2 });
    labelsAgree(b.h, deps, machines);
    for (const m of machines) deps.store.remove(m.id, { actor: "test", kind: "deleted" });
    for (const s of b.h.cloud.servers()) await deps.cloud.deleteServer(s.id);
  });

  it("provisions from the modal: no more than the budget, and no more than the hourly limit", async () => {
    const deps = b.running.bot.deps;
    const submit = (user: string) =>
      Promise.all(
        Array.from({ length: AT_ONCE }, () =>
          b.send.submitProvision(user, {
            sshKey: makeKeyPair().publicKey,
            location: "fsn1",
            serverType: "cx23",
            hours: "2",
          }),
        ),
      );
    // €0.01 is one cx23 for two hours.
    deps.store.budgets.put({ user: "U0BOB", eur: "0.01", setBy: "test", setAt: deps.clock.now() });
    await submit("U0BOB");
    await waitForState(() => requested(deps, "U0BOB").length >= 1, 10_000, "a machine requested");
    await b.running.bot.tasks.idle();
    expect(requested(deps, "U0BOB")).toHaveLength(1);
    await submit(ALICE);
    await waitForState(() => requested(deps).length >= 3, 10_000, "three machines requested");
    await b.running.bot.tasks.idle();
    expect(requested(deps)).toHaveLength(3);
    await waitForState(
      () => deps.store.list().every((i) => i.status === "ready" || i.status === "failed"),
      15_000,
      "builds done",
    );
    for (const s of b.h.cloud.servers()) await deps.cloud.deleteServer(s.id);
    for (const i of deps.store.list()) deps.store.remove(i.id, { actor: "test", kind: "deleted" });
  });
});
