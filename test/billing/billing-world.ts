// A store, the fake Hetzner (for prices) and the fake Stripe on one fake clock, composed as
// production does with STRIPE_SECRET_KEY set; machines are planted as if provisioned.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HetznerClient } from "../../src/adapters/hetzner/hetzner-client.ts";
import { systemClock } from "../../src/adapters/system-clock.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { newInstanceId } from "../../src/core/instances/instance.ts";
import type { BillingApi } from "../../src/core/ports/billing.ts";
import type { PersonDirectory } from "../../src/core/ports/billing-sync.ts";
import { type FakeHetzner, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";
import type { FakeStripe } from "../../stand-ins/fake-stripe.ts";
import { buildCoreDeps } from "../helpers/core-deps.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { FAST_HETZNER } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";

export const START = new Date("2026-11-25T10:00:00Z");
export const HOUR = 3_600_000;

export interface BillingWorld {
  deps: CoreDeps;
  clock: FakeClock;
  notes: RecordingNotifier;
  /** The fake cloud whose catalog prices servers when the ledger holds no price. */
  hetzner: FakeHetzner;
  /**
   * A ready ccx13 in fsn1 (about 2 cents an hour) for `owner`, created now; with `price`, the ledger
   * stores that price for it, as a provision does.
   */
  plant(
    owner: string,
    patch?: { ownerEmail?: string | null; price?: { hourly: string; monthly: string } },
  ): Instance;
  /** Core composed again on the same database, as after a restart, with another billing adapter. */
  restart(billing?: BillingApi): BillingWorld;
  close(): Promise<void>;
}

export async function startBillingWorld(
  stripe: FakeStripe,
  options: { clock?: FakeClock; billing?: BillingApi; directory?: PersonDirectory } = {},
): Promise<BillingWorld> {
  const dir = mkdtempSync(join(tmpdir(), "ccc-billing-"));
  const clock = options.clock ?? new FakeClock(START);
  const hetzner = await startFakeHetzner();
  const cloud = new HetznerClient({
    endpoint: hetzner.url,
    token: hetzner.token,
    clock: systemClock,
    ...FAST_HETZNER,
  });
  const env = {
    CCC_DB_PATH: join(dir, "ccc.db"),
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_API_URL: stripe.url,
  };
  const key = makeKeyPair().publicKey;
  let serverId = 1000;
  const open = (billing?: BillingApi, notes = new RecordingNotifier()): BillingWorld => {
    const deps = buildCoreDeps(env, {
      clock,
      cloud,
      notifier: notes,
      ...(billing ? { billing } : {}),
      ...(options.directory ? { directory: options.directory } : {}),
    });
    return {
      deps,
      clock,
      notes,
      hetzner,
      plant: (owner, patch = {}) => {
        const id = newInstanceId();
        deps.store.add(
          {
            id,
            owner,
            ownerEmail: patch.ownerEmail ?? null,
            sshKeys: [key],
            sshKeyFingerprint: "SHA256:test",
            serverType: "ccx13",
            location: "fsn1",
            createdAt: clock.now(),
            expiresAt: new Date(clock.now().getTime() + 24 * HOUR),
          },
          { actor: owner, kind: "requested" },
          undefined,
          patch.price,
        );
        if (patch.price) {
          deps.store.update(id, { hetznerServerId: ++serverId }, { actor: "ccc", kind: "server_created" });
        }
        return deps.store.update(
          id,
          { status: "ready", hetznerServerId: patch.price ? serverId : ++serverId },
          { actor: "ccc", kind: "ready" },
        );
      },
      restart: (next) => {
        deps.store.close();
        return open(next, notes);
      },
      close: async () => {
        deps.store.close();
      },
    };
  };
  const world = open(options.billing);
  let current = world;
  return {
    ...world,
    restart: (next) => {
      current = current.restart(next);
      return current;
    },
    close: async () => {
      await current.close().catch(() => {});
      await hetzner.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
