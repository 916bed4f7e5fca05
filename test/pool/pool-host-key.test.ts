// Issue 20, finding 10: a pool machine that shows another host key than the one its install pinned is
// an alarm, as for an extend's push: the admins hear of it, nothing is handed over, a fresh machine is installed.
import { describe, expect, it } from "vitest";
import { provision } from "../../src/commands/provision.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { poolOutcomeOf } from "../../src/core/pool/pool-outcome.ts";
import { refillPool } from "../../src/core/pool/refill.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { perTest } from "../helpers/per-test.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { startPoolWorld } from "./pool-world.ts";

const notes = new RecordingNotifier();
const w = perTest(
  () => {
    notes.clear();
    return startPoolWorld({ CCC_POOL: "cx23@fsn1=1" }, { notifier: notes });
  },
  () => {},
);

describe("a pool claim that meets another host key", () => {
  it.skipIf(sshdMissingReason !== null)(
    "alerts the admins, sends the impostor nothing and installs the person a fresh machine",
    async () => {
      await refillPool(w.deps);
      const [member] = w.deps.store.pool.list();
      await w.bootMachines(generateHostKey("root@impostor"));
      const ready = await provision(
        { deps: w.deps, actor: { id: "alice", isAdmin: false } },
        { owner: "alice", sshKey: makeKeyPair().publicKey, serverType: "cx23", location: "fsn1" },
      );

      expect(ready.status).toBe("ready");
      expect(poolOutcomeOf(ready)).toBe("fallback");
      expect(ready.hetznerServerId).not.toBe(member?.hetznerServerId);
      const alerts = notes.notices.filter((n) => n.kind === "admin_alert");
      expect(alerts).toEqual([
        {
          kind: "admin_alert",
          text: expect.stringMatching(
            new RegExp(
              `^${ready.id} \\(.*\\) did not show the host key ccc pinned.*The pool machine \\(server \\d+\\) was not handed over and is deleted`,
            ),
          ),
        },
      ]);
      expect(w.deps.store.events(ready.id).map((e) => e.kind)).toContain("pool_claim_failed");
    },
  );
});
