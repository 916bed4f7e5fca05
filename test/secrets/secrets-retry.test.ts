// A machine that could not be reached when a secret changed gets the set later: the change records a
// delivery owed, the sweep retries it with backoff, and once the machine's sshd is back (the real
// ccc-apply behind it) the current set lands and nothing is owed any more.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreDeps } from "../../src/core/deps.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import { SecretsKey } from "../../src/core/secrets/secret-cipher.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { OffsetClock } from "../helpers/offset-clock.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { plant, realTimeCloud } from "../lifecycle/world.ts";
import { bootSecretsMachine, type SecretsMachine } from "./secrets-world.ts";

const KEY = SecretsKey.generate();
let h: Harness;
let deps: CoreDeps;
let clock: OffsetClock;
const machines: SecretsMachine[] = [];

beforeEach(async () => {
  h = await startHarness({ manualSsh: true, env: { CCC_SECRETS_KEY: KEY.text } });
  clock = new OffsetClock();
  deps = h.compose({ cloud: realTimeCloud(h), clock });
});

afterEach(async () => {
  await Promise.all(machines.splice(0).map((m) => m.sshd.stop()));
  await h.close();
});

describe.skipIf(sshdMissingReason !== null)("secrets owed to a machine that was down", () => {
  it("retries on the sweep with backoff while sshd is down, and delivers the current set once it is up", async () => {
    const { instance } = await plant(deps, { owner: "U0ALICE", minutes: 240 });
    const first = await bootSecretsMachine(deps, instance, h.dir);
    await first.sshd.stop();

    const set = await runCcc(h, ["secret", "set", "MY_SETTING", "--user", "U0ALICE"], { stdin: "v1" });
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(
      new RegExp(`${instance.id}: not reached: .*cannot be reached over SSH.* ccc tries again from `),
    );
    expect(deps.store.secretsPushes.get(instance.id)).toMatchObject({ attempts: 1 });

    // Not due yet: the sweep leaves it.
    expect((await runSweep(deps)).secrets).toEqual([]);
    // Due, still down: tried, and the next try waits twice as long.
    clock.advance(61_000);
    const down = await runSweep(deps);
    expect(down.secrets).toMatchObject([{ kind: "failed", instanceId: instance.id }]);
    const owed = deps.store.secretsPushes.get(instance.id);
    expect(owed?.attempts).toBe(2);
    expect((owed?.nextAt ?? 0) - clock.now().getTime()).toBeGreaterThan(110_000);
    // A later change while it is down: what arrives is the set as it is then.
    await runCcc(h, ["secret", "set", "OTHER", "--user", "U0ALICE"], { stdin: "v2" });

    const again = await bootSecretsMachine(deps, deps.store.require(instance.id), h.dir);
    machines.push(again);
    expect(again.file()).toBeNull();
    clock.advance(31 * 60_000);
    const up = await runSweep(deps);
    expect(up.secrets).toMatchObject([
      { kind: "delivered", instanceId: instance.id, names: ["MY_SETTING", "OTHER"] },
    ]);
    expect(again.file()).toBe("MY_SETTING='v1'\nOTHER='v2'\n");
    expect(deps.store.secretsPushes.get(instance.id)).toBeNull();
    expect(deps.store.events(instance.id).map((e) => e.kind)).toContain("secrets_delivered_late");
    clock.advance(31 * 60_000);
    expect((await runSweep(deps)).secrets).toEqual([]);
  });

  it("drops what a machine no longer ready was owed", async () => {
    const { instance } = await plant(deps, { owner: "U0ALICE", minutes: 240 });
    const m = await bootSecretsMachine(deps, instance, h.dir);
    await m.sshd.stop();
    await runCcc(h, ["secret", "set", "MY_SETTING", "--user", "U0ALICE"], { stdin: "v1" });
    expect(deps.store.secretsPushes.get(instance.id)).not.toBeNull();
    deps.store.update(instance.id, { status: "deleted" }, { actor: "t", kind: "deleted" });
    clock.advance(61_000);
    expect((await runSweep(deps)).secrets).toEqual([]);
    expect(deps.store.secretsPushes.get(instance.id)).toBeNull();
  });
});
