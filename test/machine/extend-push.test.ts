// An extend reaches the machine: a real OpenSSH server with the machine's host key at its address, the
// stand-in ccc-apply writing under a test folder, and the sweep on a fake clock retrying what could
// not land at once.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreDeps } from "../../src/core/deps.ts";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { deprovision } from "../../src/core/instances/deprovision.ts";
import { extend } from "../../src/core/instances/extend.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import { generateHostKey, type HostKeyPair } from "../../src/core/machine/host-key.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { MINUTE, plant, realTimeCloud } from "../lifecycle/world.ts";

let h: Harness;
let clock: FakeClock;
let notes: RecordingNotifier;
let deps: CoreDeps;
let machine: Instance;
let hostKey: HostKeyPair;
const running: FakeSshd[] = [];

beforeEach(async (ctx) => {
  ctx.skip(sshdMissingReason !== null, sshdMissingReason ?? "");
  // Nothing answers at a server's address until a test starts the machine's sshd there.
  h = await startHarness({ manualSsh: true });
  clock = new FakeClock(Date.now());
  notes = new RecordingNotifier();
  deps = h.compose({ clock, notifier: notes, cloud: realTimeCloud(h) });
  const { instance } = await plant(deps, { owner: "opal", minutes: 120 });
  hostKey = generateHostKey(`root@${instance.id}`);
  machine = deps.store.update(
    instance.id,
    { hostKey: hostKey.publicKey },
    { actor: "test", kind: "installed" },
  );
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  if (h) await h.close();
});

const root = () => join(h.dir, "machine");

/** The machine's sshd at its address, with the installed host key (or another one). */
async function bootMachine(key: HostKeyPair = hostKey): Promise<FakeSshd> {
  const sshd = await startSshd({
    authorizedKeys: [deps.operatorKey.publicKey],
    hostKey: key,
    forced: { program: FAKE_CCC_APPLY, root: root() },
    host: machine.ipv4 ?? "",
    port: deps.timing.sshPort,
  });
  running.push(sshd);
  return sshd;
}

async function stopMachine(sshd: FakeSshd): Promise<void> {
  running.splice(running.indexOf(sshd), 1);
  await sshd.stop();
}

/** The expiry the machine's disk holds now. */
const onMachine = () =>
  JSON.parse(readFileSync(join(root(), "var/lib/cloud-instance/state.json"), "utf8")).expiresAt as string;
const wire = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

describe.skipIf(sshdMissingReason !== null)("an extend on the machine", () => {
  it("lands on a reachable machine at once, with the owner and the keys", async () => {
    const sshd = await bootMachine();
    const { instance, machine: pushed } = await extend(deps, SYSTEM_ACTOR, machine.id, 1);
    expect(pushed).toEqual({ kind: "pushed", expiresAt: instance.expiresAt });
    const state = JSON.parse(readFileSync(join(root(), "var/lib/cloud-instance/state.json"), "utf8"));
    expect(state).toEqual({
      version: 1,
      instanceId: machine.id,
      owner: "opal",
      expiresAt: wire(instance.expiresAt),
      authorizedKeys: machine.sshKeys,
    });
    expect(sshd.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);
    expect(deps.store.machinePushes.get(machine.id)).toBeNull();
    // The label moved as before.
    const server = h.cloud.servers().find((s) => s.name === machine.id);
    expect(server?.labels["ccc-expires-at"]).toBeDefined();
  });

  it("counts while the machine is down, and the sweep delivers it with backoff once it is back", async () => {
    const t0 = clock.now().getTime();
    const { instance, machine: first } = await extend(deps, SYSTEM_ACTOR, machine.id, 1);
    expect(first).toMatchObject({ kind: "pending", retryAt: new Date(t0 + MINUTE) });
    expect(deps.store.require(machine.id).expiresAt).toEqual(instance.expiresAt);

    // Not due yet: nothing tried.
    expect((await runSweep(deps)).pushes).toEqual([]);
    clock.set(t0 + MINUTE);
    const [second] = (await runSweep(deps)).pushes;
    expect(second?.outcome).toMatchObject({ kind: "pending", retryAt: new Date(t0 + 3 * MINUTE) });
    expect(deps.store.machinePushes.get(machine.id)?.attempts).toBe(2);

    const sshd = await bootMachine();
    clock.set(t0 + 3 * MINUTE - 1);
    expect((await runSweep(deps)).pushes).toEqual([]);
    expect(sshd.sessions()).toEqual([]);
    clock.set(t0 + 3 * MINUTE);
    expect((await runSweep(deps)).pushes).toEqual([
      { instanceId: machine.id, outcome: { kind: "pushed", expiresAt: instance.expiresAt } },
    ]);
    expect(onMachine()).toBe(wire(instance.expiresAt));
    expect(deps.store.machinePushes.get(machine.id)).toBeNull();
    clock.set(t0 + 60 * MINUTE);
    expect((await runSweep(deps)).pushes).toEqual([]);
    expect(sshd.sessions()).toHaveLength(1);
  });

  it("sends the later expiry when two extends came while the machine was down", async () => {
    const t0 = clock.now().getTime();
    const sshd = await bootMachine();
    await extend(deps, SYSTEM_ACTOR, machine.id, 1);
    await stopMachine(sshd);
    const earlier = await extend(deps, SYSTEM_ACTOR, machine.id, 1);
    const later = await extend(deps, SYSTEM_ACTOR, machine.id, 2);
    expect([earlier.machine.kind, later.machine.kind]).toEqual(["pending", "pending"]);
    expect(deps.store.machinePushes.get(machine.id)?.expiresAt).toBe(later.instance.expiresAt.getTime());

    const back = await bootMachine();
    clock.set(t0 + MINUTE);
    const { pushes } = await runSweep(deps);
    expect(pushes.map((p) => p.outcome)).toEqual([{ kind: "pushed", expiresAt: later.instance.expiresAt }]);
    expect(onMachine()).toBe(wire(later.instance.expiresAt));
    expect(back.sessions()).toHaveLength(1);
  });

  it("raises an alarm to the admins for another host key at the address, and does not retry it", async () => {
    const t0 = clock.now().getTime();
    const impostor = await bootMachine(generateHostKey("root@elsewhere"));
    const { machine: outcome } = await extend(deps, SYSTEM_ACTOR, machine.id, 1);
    expect(outcome).toMatchObject({ kind: "alarm", message: expect.stringContaining("host key") });
    expect(notes.notices).toEqual([
      {
        kind: "admin_alert",
        text: expect.stringMatching(
          new RegExp(`^${machine.id} \\(.*\\) did not show the host key ccc pinned.*will not try again`),
        ),
      },
    ]);
    expect(deps.store.machinePushes.get(machine.id)?.alarm).toBe(true);
    for (let minute = 1; minute <= 40; minute++) {
      clock.set(t0 + minute * MINUTE);
      expect((await runSweep(deps)).pushes).toEqual([]);
    }
    expect(impostor.sessions()).toEqual([]);
    expect(notes.notices).toHaveLength(1);
  });

  it("drops a pending push when the instance is deleted meanwhile", async () => {
    const t0 = clock.now().getTime();
    const { machine: outcome } = await extend(deps, SYSTEM_ACTOR, machine.id, 1);
    expect(outcome.kind).toBe("pending");
    await deprovision(deps, SYSTEM_ACTOR, machine.id, "test");
    const sshd = await bootMachine();
    clock.set(t0 + MINUTE);
    expect((await runSweep(deps)).pushes).toEqual([
      { instanceId: machine.id, outcome: { kind: "skipped", reason: "not-ready" } },
    ]);
    expect(deps.store.machinePushes.get(machine.id)).toBeNull();
    clock.set(t0 + 60 * MINUTE);
    expect((await runSweep(deps)).pushes).toEqual([]);
    expect(sshd.sessions()).toEqual([]);
  });

  it("says in the terminal whether the machine shows the new time yet", async () => {
    const ccc = (args: string[]) => runCcc(h, args);
    const down = await ccc(["extend", machine.id, "1"]);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(
      new RegExp(
        `^${machine.id} now expires at .*\\.\\nThe machine will be told when it can be reached\\.\\n$`,
      ),
    );
    await bootMachine();
    const up = await ccc(["extend", machine.id, "1"]);
    expect(up.stdout).toMatch(/\nThe machine shows the new time\.\n$/);
    expect(onMachine()).toBe(wire(deps.store.require(machine.id).expiresAt));
    const json = await ccc(["extend", machine.id, "1", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: machine.id, machine: "pushed" });
  });
});
