// A share reaches the machine: a real OpenSSH server with the machine's host key at its address, the
// stand-in ccc-apply writing the authorized keys under a test folder.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { share, unshare } from "../../src/core/instances/share.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { pushMachineState } from "../../src/core/machine/push-state.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { plant, realTimeCloud } from "../lifecycle/world.ts";

let h: Harness;
let deps: CoreDeps;
let machine: Instance;
let sshd: FakeSshd | null = null;

beforeEach(async (ctx) => {
  ctx.skip(sshdMissingReason !== null, sshdMissingReason ?? "");
  h = await startHarness({ manualSsh: true });
  deps = h.compose({
    clock: new FakeClock(Date.now()),
    notifier: new RecordingNotifier(),
    cloud: realTimeCloud(h),
  });
  const { instance } = await plant(deps, { owner: "opal", minutes: 120 });
  const hostKey = generateHostKey(`root@${instance.id}`);
  machine = deps.store.update(
    instance.id,
    { hostKey: hostKey.publicKey },
    { actor: "test", kind: "installed" },
  );
  sshd = await startSshd({
    authorizedKeys: [deps.operatorKey.publicKey],
    hostKey,
    forced: { program: FAKE_CCC_APPLY, root: join(h.dir, "machine") },
    host: machine.ipv4 ?? "",
    port: deps.timing.sshPort,
  });
});

afterEach(async () => {
  await sshd?.stop();
  sshd = null;
  if (h) await h.close();
});

/** The authorized keys the machine's disk holds now. */
const keysOnMachine = () =>
  readFileSync(join(h.dir, "machine/var/lib/cloud-instance/authorized_keys"), "utf8").trim().split("\n");

const OPAL = { id: "opal", isAdmin: false };

describe.skipIf(sshdMissingReason !== null)("sharing a running machine", () => {
  it("writes the guest's key beside the owner's, and unshare takes it out again", async () => {
    const guestKey = makeKeyPair("bob").publicKey;
    const shared = await share(deps, OPAL, machine.id, "bob", guestKey);
    expect(shared.machine?.kind).toBe("pushed");
    expect(keysOnMachine()).toEqual([...machine.sshKeys, guestKey]);
    const back = await unshare(deps, OPAL, machine.id, "bob");
    expect(back.machine?.kind).toBe("pushed");
    expect(keysOnMachine()).toEqual(machine.sshKeys);
    expect(sshd?.sessions().map((s) => s.command)).toEqual(["ccc-apply", "ccc-apply"]);
  });

  it("sends the keys again when a share lands while another push is on the wire", async () => {
    const guestKey = makeKeyPair("bob").publicKey;
    let sharedMeanwhile = false;
    const racing: CoreDeps = {
      ...deps,
      machine: {
        ...deps.machine,
        apply: async (target, doc) => {
          const answer = await deps.machine.apply(target, doc);
          if (!sharedMeanwhile) {
            sharedMeanwhile = true;
            deps.store.guests.put({
              instanceId: machine.id,
              guest: "bob",
              sshKey: guestKey,
              addedAt: new Date(0),
              addedBy: "opal",
            });
          }
          return answer;
        },
      },
    };
    expect((await pushMachineState(racing, machine)).kind).toBe("pushed");
    expect(keysOnMachine()).toEqual([...machine.sshKeys, guestKey]);
    expect(sshd?.sessions()).toHaveLength(2);
    expect(deps.store.machinePushes.get(machine.id)).toBeNull();
  });

  it("says in the terminal that the machine has the key, given as a file, and that nobody told bob", async () => {
    const guestKey = makeKeyPair("bob").publicKey;
    const file = join(h.dir, "bob.pub");
    writeFileSync(file, `${guestKey}\n`);
    const { code, stdout } = await runCcc(h, ["share", machine.id, "--with", "bob", "--ssh-key", file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /\naccess: opal \(owner\), bob \(sudo\)\nThe machine has the new keys\.\nbob was not told: there are no Slack settings here, so the message above was only printed\.\nThey log in as claude, with sudo: root on the machine\. .*\n$/,
    );
    expect(keysOnMachine()).toEqual([...machine.sshKeys, guestKey]);
  });

  it("waits for a guest with no key, and `ccc key set` lets them in on the machine", async () => {
    const waiting = await runCcc(h, ["share", machine.id, "--with", "carol"]);
    expect(waiting.code).toBe(0);
    expect(waiting.stdout).toContain("would DM carol: opal wants to let you into");
    expect(waiting.stdout).toContain(`${machine.id} will be shared with carol.`);
    expect(sshd?.sessions()).toEqual([]); // nothing was sent while the share waits
    const carolKey = makeKeyPair("carol").publicKey;
    const set = await runCcc(h, ["key", "set", "--user", "carol", "--ssh-key", "-"], { stdin: carolKey });
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`let into ${machine.id}: ssh claude@${machine.ipv4}`);
    expect(keysOnMachine()).toEqual([...machine.sshKeys, carolKey]);
  });
});
