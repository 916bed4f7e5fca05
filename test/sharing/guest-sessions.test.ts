// Unshare ends a guest's access on the machine, not only their next login: a real OpenSSH server, the real
// ccc-apply, and guests logged in with the real ssh client, running real processes.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { share, unshare } from "../../src/core/instances/share.ts";
import { pushMachineState } from "../../src/core/machine/push-state.ts";
import { sshdMissingReason } from "../fakes/sshd.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { plant, realTimeCloud } from "../lifecycle/world.ts";
import { type GuestMachine, startGuestMachine } from "./guest-machine.ts";

let h: Harness | null = null;
let deps: CoreDeps;
let machine: Instance;
let box: GuestMachine | null = null;
const owner = makeKeyPair("opal@laptop");
const bob = makeKeyPair("bob@laptop");
const OPAL = { id: "opal", isAdmin: false };
const on = (): GuestMachine => {
  if (!box) throw new Error("no machine");
  return box;
};

beforeEach(async (ctx) => {
  ctx.skip(sshdMissingReason !== null, sshdMissingReason ?? "");
  h = await startHarness({ manualSsh: true });
  deps = h.compose({
    clock: new FakeClock(Date.now()),
    notifier: new RecordingNotifier(),
    cloud: realTimeCloud(h),
  });
  const { instance } = await plant(deps, { owner: "opal", minutes: 120 });
  deps.store.update(instance.id, { sshKeys: [owner.publicKey] }, { actor: "test", kind: "key_set" });
  box = await startGuestMachine(deps, instance);
  machine = deps.store.require(instance.id);
  expect((await pushMachineState(deps, machine)).kind).toBe("pushed");
});

afterEach(async () => {
  await box?.stop();
  box = null;
  await h?.close();
  h = null;
});

/** Resolves with the exit code, or "running" when the session is still there after `ms`. */
const within = (ended: Promise<number | null>, ms: number) =>
  Promise.race([ended, new Promise<"running">((done) => setTimeout(() => done("running"), ms))]);

describe.skipIf(sshdMissingReason !== null)("unshare on the machine", () => {
  it("ends the open sessions of a guest who logged in as claude, and leaves the owner's", async () => {
    const shared = await share(deps, OPAL, machine.id, "bob", bob.publicKey);
    expect(shared.machine?.kind).toBe("pushed");
    const guest = await on().login("claude", bob.privateKey, "echo in; exec sleep 600");
    const mine = await on().login("claude", owner.privateKey, "echo in; exec sleep 600");

    const back = await unshare(deps, OPAL, machine.id, "bob");

    expect(back.machine?.kind).toBe("pushed");
    expect(await within(guest.ended, 10_000)).not.toBe("running");
    expect(await within(mine.ended, 1_000)).toBe("running");
    const again = await on().run("claude", bob.privateKey, "echo in");
    expect(again.code).toBe(255);
    expect(again.out).toContain("Permission denied");
  });
});
