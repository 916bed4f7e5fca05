// A machine as ccc bills it: a ledger price, a server at the fake cloud carrying its expiry label.
import type { CoreDeps } from "../../src/core/deps.ts";
import { type Instance, newInstanceId } from "../../src/core/instances/instance.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { createLabelled } from "../lifecycle/world.ts";

const HOUR = 3_600_000;
/** €0.10 an hour (a month's cap far away): a budget of €0.30 leaves room for two more hours. */
export const DIME = { hourly: "0.1000000000000000", monthly: "100.0000000000000000" };

/** A ready machine of `owner` at the fake cloud, billed at €0.10 an hour from now, expiring in `hours`. */
export async function pricedMachine(deps: CoreDeps, owner: string, hours = 1): Promise<Instance> {
  const id = newInstanceId();
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + hours * HOUR);
  deps.store.add(
    {
      id,
      owner,
      ownerEmail: null,
      sshKeys: [makeKeyPair().publicKey],
      sshKeyFingerprint: "SHA256:test",
      serverType: deps.policy.defaultServerType,
      location: deps.policy.defaultLocation,
      createdAt: now,
      expiresAt,
    },
    { actor: owner, kind: "requested" },
    undefined,
    DIME,
  );
  const { server } = await createLabelled(deps, id, expiresAt);
  return deps.store.update(
    id,
    { status: "ready", hetznerServerId: server.id, ipv4: server.ipv4, ipv6: server.ipv6, readyAt: now },
    { actor: "ccc", kind: "server_created" },
  );
}
