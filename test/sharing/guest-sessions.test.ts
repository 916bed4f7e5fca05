// Unshare ends a guest's access on the machine, not only their next login: a real OpenSSH server, the real
// ccc-apply, and guests logged in with the real ssh client, running real processes.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { share, unshare } from "../../src/core/instances/share.ts";
import { pushMachineState } from "../../src/core/machine/push-state.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { plant, realTimeCloud } from "../lifecycle/world.ts";
import {
  accountProcesses,
  GUESTS,
  type GuestMachine,
  guestMachineMissingReason,
  setfaclMissingReason,
  startGuestMachine,
} from "./guest-machine.ts";

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
  ctx.skip(guestMachineMissingReason !== null, guestMachineMissingReason ?? "");
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
}, 60_000);

afterEach(async () => {
  await box?.stop();
  box = null;
  await h?.close();
  h = null;
});

/** Resolves with the exit code, or "running" when the session is still there after `ms`. */
const within = (ended: Promise<number | null>, ms: number) =>
  Promise.race([ended, new Promise<"running">((done) => setTimeout(() => done("running"), ms))]);

// Several logins, each a real ssh process and key exchange: slower than most tests on a busy machine.
describe.skipIf(guestMachineMissingReason !== null)("unshare on the machine", { timeout: 90_000 }, () => {
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
    expect(again.err).toContain("Permission denied");
  });

  it("lets a guest without sudo into an account of their own with the work folder, and unshare ends all of it", async (ctx) => {
    ctx.skip(setfaclMissingReason !== null, setfaclMissingReason ?? "");
    const shared = await share(deps, OPAL, machine.id, "bob", bob.publicKey, { noSudo: true });
    expect(shared).toMatchObject({ sudo: false, login: "ccc-guest-1", machine: { kind: "pushed" } });
    const { root, work } = on();
    const [guestAccount] = GUESTS;
    const guestHome = join(root, "home/ccc-guest-1");

    // Not claude: their key does not open it.
    expect((await on().run("claude", bob.privateKey, "true")).code).toBe(255);
    const inside = await on().run(
      "ccc-guest-1",
      bob.privateKey,
      [
        "id -un; id -Gn",
        `cat ${work}/repo/README.md`,
        `echo "bob was here" >> ${work}/repo/README.md && echo wrote-owners-file`,
        `mkdir ${work}/bobs && echo "bob's notes" > ${work}/bobs/notes && echo made-folder`,
        `cat ${root}/home/claude/.claude/.credentials.json || echo no-credentials`,
        `ls ${root}/home/claude || echo no-listing`,
        `echo planted > ${guestHome}/.planted`,
      ].join("; "),
    );
    const lines = inside.out.split("\n");
    expect(lines[0]).toBe("ccc-guest-1");
    expect(lines[1]?.split(" ").sort()).toEqual(["ccc-work", "users"]); // no wheel: sudo is for wheel only
    expect(inside.out).toContain("the owner's work\nwrote-owners-file\nmade-folder\n");
    expect(inside.out).toContain("no-credentials");
    expect(inside.out).toContain("no-listing");
    expect(inside.out).not.toContain("claudeAiOauth");
    // What the guest made, the owner can change: the folder's default ACL gives the group write.
    const owners = await on().run(
      "claude",
      owner.privateKey,
      `echo "and opal" >> ${work}/bobs/notes && cat ${work}/bobs/notes`,
    );
    expect(owners.out).toBe("bob's notes\nand opal\n");

    const session = await on().login("ccc-guest-1", bob.privateKey, "echo in; exec sleep 600");
    // Detached from the session (its own session, parent gone): not under the sshd that served it.
    await on().run("ccc-guest-1", bob.privateKey, "setsid sleep 600 </dev/null >/dev/null 2>&1 &");
    expect(accountProcesses(guestAccount?.uid ?? 0).length).toBeGreaterThanOrEqual(3);

    const back = await unshare(deps, OPAL, machine.id, "bob");

    expect(back).toMatchObject({ sudo: false, login: "ccc-guest-1", machine: { kind: "pushed" } });
    expect(back.machine?.kind === "pushed" && back.machine.sessions?.ended).toBeGreaterThanOrEqual(1);
    expect(await within(session.ended, 10_000)).not.toBe("running");
    expect(accountProcesses(guestAccount?.uid ?? 0)).toEqual([]);
    expect(readdirSync(guestHome)).toEqual([]);
    expect(existsSync(join(root, "var/lib/cloud-instance/authorized_keys.d/ccc-guest-1"))).toBe(false);
    expect((await on().run("ccc-guest-1", bob.privateKey, "true")).code).toBe(255);
    // The work folder is the owner's: what the guest put there stays.
    expect(readFileSync(join(work, "bobs/notes"), "utf8")).toBe("bob's notes\nand opal\n");
  });
});
