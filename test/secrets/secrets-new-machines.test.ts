// A new machine has its owner's secrets before the person is told it is ready: a pool claim through
// the real ccc-apply over a real sshd; and a machine shared with a guest holds none while the guest is
// let in (they log in to the same account), getting them back when the guest is gone.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { share, unshare } from "../../src/core/instances/share.ts";
import { refillPool } from "../../src/core/pool/refill.ts";
import { SecretsKey } from "../../src/core/secrets/secret-cipher.ts";
import { SecretValue, setSecret } from "../../src/core/secrets/secrets.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { perTest } from "../helpers/per-test.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { startPoolWorld } from "../pool/pool-world.ts";

const KEY = SecretsKey.generate();
const w = perTest(
  () => startPoolWorld({ CCC_POOL: "cx23@fsn1=1", CCC_SECRETS_KEY: KEY.text }, {}, { kind: "ccc-apply" }),
  () => {},
);

const secretsFile = (ip: string) => {
  try {
    return readFileSync(join(w.machineRoot(ip), "run/ccc/secrets.env"), "utf8");
  } catch {
    return null;
  }
};

describe.skipIf(sshdMissingReason !== null)("secrets on new and shared machines", () => {
  it("delivers the owner's secrets at pool claim, before ready; a guest's share takes them off and back", async () => {
    await refillPool(w.deps);
    await w.bootMachines();
    const [member] = w.deps.store.pool.list();
    const ip = member?.ipv4 ?? "";
    setSecret(w.deps, SYSTEM_ACTOR, { owner: "opal", name: "MY_TOKEN", value: new SecretValue("v1") });

    const made = await runCcc(w.h, ["provision", "--ssh-key", makeKeyPair().publicKey]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/from the pool/);
    expect(secretsFile(ip)).toBe("MY_TOKEN='v1'\n");
    const id = member?.id ?? "";
    const order = w.deps.store.events(id).map((e) => e.kind);
    expect(order).not.toContain("secrets_not_delivered");

    // A guest logs in as the same user: the file goes before their key arrives, and comes back after.
    const guest = makeKeyPair().publicKey;
    await share(w.deps, SYSTEM_ACTOR, id, "U0GUEST", guest);
    expect(secretsFile(ip)).toBeNull();
    const keys = readFileSync(join(w.machineRoot(ip), "var/lib/cloud-instance/authorized_keys"), "utf8");
    expect(keys).toContain(guest.split(" ")[1]);
    // A change meanwhile still leaves the shared machine without them.
    const set = await runCcc(w.h, ["secret", "set", "OTHER"], { stdin: "v2" });
    expect(set.stdout).toContain(`${id}: none there (it is shared with a guest let in without your secrets`);
    expect(secretsFile(ip)).toBeNull();
    await unshare(w.deps, SYSTEM_ACTOR, id, "U0GUEST");
    expect(secretsFile(ip)).toBe("MY_TOKEN='v1'\nOTHER='v2'\n");
  });
});
