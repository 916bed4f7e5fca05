// Hibernation over real HTTP with real tokens: hibernate refuses a machine that does not answer its
// activity check; wake answers 202 once checked and recorded and boots the same id with the same host
// key in the background (a real OpenSSH server answers on the woken machine); others are refused.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { HOST_KEY_FILE } from "../../src/core/machine/extra-files.ts";
import { saveUnderLease } from "../../src/core/snapshots/save.ts";
import { hibernatedSchema, wakingSchema } from "../../src/render/schemas/response-schemas.ts";
import type { FakeServer } from "../../stand-ins/fake-hetzner.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { ALICE, BOB, type BotHarness } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { call, readyViaApi, tokenFor } from "./api-client.ts";

describe.skipIf(sshdMissingReason !== null)("the HTTP API's hibernation", () => {
  const machines: Promise<FakeSshd>[] = [];
  let saved: { privateKey: string; publicKey: string } | null = null;
  const b: BotHarness = useBotHarness(() => ({
    harness: {
      manualSsh: true,
      cloud: {
        onServerRunning: (server: FakeServer) => {
          const ip = server.public_net.ipv4.ip;
          if (server.image.type !== "snapshot" || !saved) return void b.h.ssh.open(ip);
          machines.push(
            startSshd({
              authorizedKeys: [b.h.deps.operatorKey.publicKey],
              hostKey: saved,
              forced: { program: FAKE_CCC_APPLY, root: join(b.h.dir, "machine") },
              host: ip,
              port: b.h.deps.timing.sshPort,
            }),
          );
        },
      },
    },
  }));
  afterEach(async () => {
    await Promise.all(machines.splice(0).map(async (m) => (await m).stop()));
  });

  it("hibernate is refused without an answer; wake boots the same id and host key, others refused", async () => {
    const alice = tokenFor(b, ALICE);
    const bob = tokenFor(b, BOB);
    const deps = b.running.bot.deps;
    const id = await readyViaApi(b, alice);
    const instance = deps.store.require(id);

    const refused = await call(b, "POST", `/instances/${id}/hibernate`, { token: alice });
    expect(refused.status).toBe(200);
    expect(hibernatedSchema.parse(refused.json)).toMatchObject({ id, hibernated: false });
    expect(b.h.cloud.servers()).toHaveLength(1);

    // Asleep as the idle pass leaves it (the pass is tested through a real sshd in test/hibernate).
    const root = b.h.installer.targetRoot(instance.ipv4 ?? "");
    saved = {
      privateKey: readFileSync(join(root, HOST_KEY_FILE), "utf8"),
      publicKey: instance.hostKey ?? "",
    };
    await saveUnderLease(deps, SYSTEM_ACTOR, instance, "hibernated", {
      quiet: true,
      maxPerUser: 99,
      beforeDelete: () => deps.store.hibernation.sleep(id, ALICE, deps.clock.now(), 3_600_000, null),
    });

    expect(await call(b, "POST", `/instances/${id}/wake`, { token: bob })).toMatchObject({
      status: 403,
      error: { code: "forbidden" },
    });
    expect((await call(b, "POST", "/instances/nope/wake", { token: alice })).status).toBe(422);
    const started = await call(b, "POST", `/instances/${id}/wake`, { token: alice });
    expect(started.status).toBe(202);
    expect(wakingSchema.parse(started.json)).toMatchObject({ id, status: "creating", woken: false });
    await waitForState(() => deps.store.get(id)?.status === "ready", 20_000, `${id} awake`);
    expect(deps.store.require(id)).toMatchObject({ id, hostKey: instance.hostKey, owner: ALICE });
    expect(deps.store.hibernation.latest(id)?.state).toBe("woken");
    await b.running.bot.tasks.idle();
    expect((await call(b, "DELETE", `/instances/${id}`, { token: alice })).status).toBe(200);
  }, 60_000);
});
