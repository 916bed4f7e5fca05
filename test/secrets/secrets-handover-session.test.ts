// A pool claim sends the owner's secrets with the hand-over: one SSH session for both, the real ccc-apply
// over a real sshd. A machine whose ccc-apply predates that field refuses it, and gets the old two
// sessions; secrets changed between the hand-over and "ready" are sent again before "ready".
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { refillPool } from "../../src/core/pool/refill.ts";
import { SecretsKey } from "../../src/core/secrets/secret-cipher.ts";
import { SecretValue, setSecret } from "../../src/core/secrets/secrets.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { type PoolWorld, startPoolWorld } from "../pool/pool-world.ts";

const KEY = SecretsKey.generate();
const CURRENT = resolve(import.meta.dirname, "../../nix/packages/ccc-apply/ccc-apply.mjs");
// The ccc-apply of a machine made before the field: the same script without the combined document.
const oldDir = mkdtempSync(join(tmpdir(), "ccc-apply-old-"));
const OLD = join(oldDir, "ccc-apply.mjs");
const currentText = readFileSync(CURRENT, "utf8");
const combined = 'if (isObject(doc) && !("kind" in doc) && "secrets" in doc) {';
writeFileSync(OLD, currentText.replace(combined, "if (false) {"));
afterAll(() => rmSync(oldDir, { recursive: true, force: true }));

/** Counts the channel's calls (each one SSH session) by wrapping the real methods. */
function countSessions(w: PoolWorld) {
  const calls: string[] = [];
  const machine = w.deps.machine as unknown as Record<string, unknown>;
  for (const name of ["apply", "applySecrets", "applyWithSecrets"]) {
    const real = machine[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (!real) continue;
    machine[name] = (...args: unknown[]) => {
      calls.push(name);
      return real.apply(w.deps.machine, args);
    };
  }
  return calls;
}

async function claimWith(program: string | undefined, beforeRename?: (w: PoolWorld) => void) {
  const w = await startPoolWorld(
    { CCC_POOL: "cx23@fsn1=1", CCC_SECRETS_KEY: KEY.text },
    {},
    { kind: "ccc-apply", ...(program ? { program } : {}) },
  );
  try {
    await refillPool(w.deps);
    await w.bootMachines();
    const [member] = w.deps.store.pool.list();
    const ip = member?.ipv4 ?? "";
    setSecret(w.deps, SYSTEM_ACTOR, { owner: "opal", name: "MY_TOKEN", value: new SecretValue("v1") });
    const calls = countSessions(w);
    if (beforeRename) {
      const cloud = w.deps.cloud as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const rename = cloud.renameServer as (...args: unknown[]) => Promise<unknown>;
      cloud.renameServer = (...args: unknown[]) => {
        beforeRename(w);
        return rename.apply(w.deps.cloud, args);
      };
    }
    // The CLI's own process view, with these (counted) channel and cloud.
    const made = await runCcc(w.h, ["provision", "--ssh-key", makeKeyPair().publicKey], {
      compose: { machine: w.deps.machine, cloud: w.deps.cloud },
    });
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/from the pool/);
    const file = readFileSync(join(w.machineRoot(ip), "run/ccc/secrets.env"), "utf8");
    const events = w.deps.store.events(member?.id ?? "").map((e) => e.kind);
    return { calls, file, events };
  } finally {
    await w.close();
  }
}

describe.skipIf(sshdMissingReason !== null)("the owner's secrets with the pool hand-over", () => {
  it("hands over and delivers the secrets in one SSH session", async () => {
    const { calls, file, events } = await claimWith(undefined);
    expect(calls).toEqual(["applyWithSecrets"]);
    expect(file).toBe("MY_TOKEN='v1'\n");
    expect(events).not.toContain("secrets_not_delivered");
  });

  it("gives a machine whose ccc-apply refuses the field the old two steps", async () => {
    const { calls, file, events } = await claimWith(OLD);
    // The refused combined document and the state alone (both inside the channel's call), then the
    // secrets alone; the machine was handed over (no fresh install: "from the pool" above).
    expect(calls).toEqual(["applyWithSecrets", "applySecrets"]);
    expect(file).toBe("MY_TOKEN='v1'\n");
    expect(events).not.toContain("secrets_not_delivered");
    expect(events).not.toContain("pool_claim_failed");
  });

  it("sends them again before ready when they changed after the hand-over", async () => {
    const { calls, file } = await claimWith(undefined, (w) =>
      setSecret(w.deps, SYSTEM_ACTOR, { owner: "opal", name: "OTHER", value: new SecretValue("v2") }),
    );
    expect(calls).toEqual(["applyWithSecrets", "applySecrets"]);
    expect(file).toBe("MY_TOKEN='v1'\nOTHER='v2'\n");
  });
});
