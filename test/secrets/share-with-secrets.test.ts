// Sharing "with secrets" through the CLI door: the owner's secrets stay on the machine (the real
// ccc-apply behind a real sshd) while that guest has access; a guest let in without them (the default)
// takes them off until the last such guest is gone. The confirmation says which.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
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

describe.skipIf(sshdMissingReason !== null)("share --with-secrets", () => {
  it("keeps the secrets on the machine for a guest let in with them, and says so; the default still takes them off", async () => {
    await refillPool(w.deps);
    await w.bootMachines();
    const [member] = w.deps.store.pool.list();
    const ip = member?.ipv4 ?? "";
    const id = member?.id ?? "";
    setSecret(w.deps, SYSTEM_ACTOR, { owner: "opal", name: "MY_TOKEN", value: new SecretValue("v1") });
    expect((await runCcc(w.h, ["provision", "--ssh-key", makeKeyPair().publicKey])).code).toBe(0);
    expect(secretsFile(ip)).toBe("MY_TOKEN='v1'\n");

    const bob = makeKeyPair().publicKey;
    const shared = await runCcc(w.h, ["share", id, "--with", "U0BOB", "--ssh-key", bob, "--with-secrets"]);
    expect(shared.code).toBe(0);
    expect(shared.stdout).toContain("With secrets: your secrets stay on the machine while they have access");
    expect(secretsFile(ip)).toBe("MY_TOKEN='v1'\n");
    const keys = readFileSync(join(w.machineRoot(ip), "var/lib/cloud-instance/authorized_keys"), "utf8");
    expect(keys).toContain(bob.split(" ")[1]);
    expect(w.deps.store.guests.list(id)).toMatchObject([{ guest: "U0BOB", withSecrets: true }]);
    const sharedEvent = w.deps.store.events(id).find((e) => e.kind === "shared");
    expect(sharedEvent?.detail).toBe("with U0BOB, as claude with sudo, with the owner's secrets");

    // A change reaches the machine shared with secrets.
    const set = await runCcc(w.h, ["secret", "set", "OTHER"], { stdin: "v2" });
    expect(set.stdout).toContain(`${id}: live now`);
    expect(secretsFile(ip)).toBe("MY_TOKEN='v1'\nOTHER='v2'\n");

    // A second guest without --with-secrets: the secrets leave, and the answer says so.
    const carol = await runCcc(w.h, [
      "share",
      id,
      "--with",
      "U0CAROL",
      "--ssh-key",
      makeKeyPair().publicKey,
      "--json",
    ]);
    expect(carol.code).toBe(0);
    expect(JSON.parse(carol.stdout)).toMatchObject({
      withSecrets: false,
      secrets: expect.stringContaining("leave the machine while they have access"),
    });
    expect(secretsFile(ip)).toBeNull();

    // Once only the guest with secrets is left, they come back.
    expect((await runCcc(w.h, ["unshare", id, "--with", "U0CAROL"])).code).toBe(0);
    expect(secretsFile(ip)).toBe("MY_TOKEN='v1'\nOTHER='v2'\n");
    // And when that guest is gone too, they stay.
    expect((await runCcc(w.h, ["unshare", id, "--with", "U0BOB"])).code).toBe(0);
    expect(secretsFile(ip)).toBe("MY_TOKEN='v1'\nOTHER='v2'\n");
  });
});
