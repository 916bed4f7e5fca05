// Hibernation on the dashboard over HTTP against the real bot: each running machine shows its last
// active time and why; a hibernated machine is listed under "Asleep" with a Wake button; POST /web/wake
// is CSRF-checked, refused for others, and wakes the same id with the same host key (a real OpenSSH
// server answers on the woken machine); the spend section shows the hours hibernation saved.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { HOST_KEY_FILE } from "../../src/core/machine/extra-files.ts";
import { saveUnderLease } from "../../src/core/snapshots/save.ts";
import type { FakeServer } from "../../stand-ins/fake-hetzner.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { ADMIN, ALICE, BOB, type BotHarness } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { baseOf, signInLink, WEB_ENV, WebClient } from "./web-world.ts";

const HOUR = 3_600_000;

describe.skipIf(sshdMissingReason !== null)("hibernation on the dashboard", () => {
  const machines: Promise<FakeSshd>[] = [];
  let saved: { privateKey: string; publicKey: string } | null = null;
  const b: BotHarness = useBotHarness(() => ({
    env: WEB_ENV,
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
    saved = null;
    await Promise.all(machines.splice(0).map(async (m) => (await m).stop()));
  });
  const deps = () => b.running.bot.deps;

  async function signedIn(user: string): Promise<WebClient> {
    const client = new WebClient(baseOf(b));
    expect((await client.signIn(await signInLink(b, user))).status).toBe(303);
    return client;
  }

  async function readyMachine(client: WebClient, user: string): Promise<string> {
    const answer = await client.post("/web/provision", {
      csrf: await client.csrf(),
      sshKey: makeKeyPair().publicKey,
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    expect(answer.status).toBe(303);
    const id = deps().store.list({ owner: user })[0]?.id ?? "";
    await waitForState(() => deps().store.get(id)?.status === "ready", 15_000, `${id} ready`);
    return id;
  }

  /** Asleep as the idle pass leaves it (the pass is tested through a real sshd in test/hibernate). */
  async function hibernate(id: string, sleptAt: Date): Promise<void> {
    const instance = deps().store.require(id);
    const root = b.h.installer.targetRoot(instance.ipv4 ?? "");
    saved = {
      privateKey: readFileSync(join(root, HOST_KEY_FILE), "utf8"),
      publicKey: instance.hostKey ?? "",
    };
    await saveUnderLease(deps(), SYSTEM_ACTOR, instance, "hibernated", {
      quiet: true,
      maxPerUser: 99,
      beforeDelete: () => deps().store.hibernation.sleep(id, ALICE, sleptAt, 4 * HOUR, "0.0104"),
    });
  }

  it("shows each machine's last active time and why it counted as active", async () => {
    const alice = await signedIn(ALICE);
    const id = await readyMachine(alice, ALICE);
    const before = await alice.get("/");
    expect(before.text).not.toContain("Last active");
    const at = new Date("2026-12-07T08:59:00Z");
    deps().store.hibernation.ensure(id, at);
    deps().store.hibernation.checked(
      id,
      deps().clock.now(),
      ["1 SSH session open", "claude running (1 process)"],
      at,
    );
    const page = await alice.get("/");
    expect(page.text).toContain(`data-last-active="${at.toISOString()}"`);
    expect(page.text).toContain("2026-12-07 08:59 UTC");
    expect(page.text).toContain("active because: 1 SSH session open; claude running (1 process)");
    deps().store.hibernation.checked(id, deps().clock.now(), [], null);
    expect((await alice.get("/")).text).toContain("idle at the last check");
    await b.running.bot.tasks.idle();
  });

  it("lists a hibernated machine with a Wake button; a wake keeps the id and host key", async () => {
    const alice = await signedIn(ALICE);
    const bob = await signedIn(BOB);
    const id = await readyMachine(alice, ALICE);
    const hostKey = deps().store.require(id).hostKey;
    await hibernate(id, new Date(deps().clock.now().getTime() - 2 * HOUR));
    expect(b.h.cloud.servers()).toEqual([]);

    const page = await alice.get("/");
    expect(page.text).toContain(`data-asleep="${id}"`);
    expect(page.text).toMatch(
      new RegExp(`action="/web/wake">[^]*?name="id" value="${id}"[^]*?>Wake</button>`),
    );
    expect(page.text).toContain("4 h of lifetime kept");
    // Hours saved: two hours asleep at its price, for the owner only.
    expect(page.text).toContain('data-saved-hours="2"');
    expect(page.text).toContain("hibernation saved <strong>≈ 2 machine-hours</strong>, ≈ €0.02");
    // The snapshot's cost while asleep, as its own line (its size is what the fake cloud gave the image).
    expect(page.text).toMatch(
      /data-asleep-snapshot-hours="\d+">Snapshots of your sleeping machines: €0\.\d+ for \d+ snapshot-hours/,
    );
    const bobsPage = await bob.get("/");
    expect(bobsPage.text).not.toContain(id);
    expect(bobsPage.text).not.toContain("data-saved-hours");
    expect(bobsPage.text).not.toContain("data-asleep-snapshot-hours");
    const admin = await signedIn(ADMIN);
    expect((await admin.get("/")).text).toContain('data-team-saved-hours="2"');

    // Without the CSRF token, or someone else's: refused, nothing started.
    expect((await alice.post("/web/wake", { id })).status).toBe(403);
    const refused = await bob.post("/web/wake", { csrf: await bob.csrf(), id });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("is not yours, so you cannot wake it");
    const nothing = await alice.post("/web/wake", { csrf: await alice.csrf(), id: "ccc-zzzzzz" });
    expect(nothing.status).toBe(404);
    expect(deps().store.hibernation.current(id)?.state).toBe("asleep");
    expect(b.h.cloud.servers()).toEqual([]);

    const woke = await alice.post("/web/wake", { csrf: await alice.csrf(), id });
    expect(woke.status).toBe(303);
    const following = await alice.get("/");
    expect(following.text).toContain(`${id} is waking from its hibernation snapshot`);
    await waitForState(() => deps().store.get(id)?.status === "ready", 20_000, `${id} awake`);
    await b.running.bot.tasks.idle();
    expect(deps().store.require(id)).toMatchObject({ id, hostKey, owner: ALICE });
    expect(deps().store.hibernation.latest(id)?.state).toBe("woken");
    const after = await alice.get("/");
    expect(after.text).toContain(`${id} is awake again, with the same id and host key`);
    expect(after.text).not.toContain(`data-asleep="${id}"`);
    expect(after.text).toContain(`<h2 id="m-${id}">`);
    // The owner is told as from every door: the ready DM.
    await b.slack.waitFor(() =>
      b.slack.messages().find((m) => m.text.includes(id) && /awake|ready/.test(m.text)),
    );
    // A second wake of a machine that is awake is refused and says so.
    const again = await alice.post("/web/wake", { csrf: await alice.csrf(), id });
    expect(again.status).toBe(422);
    expect(again.text).toContain("is not hibernating");
    await b.running.bot.tasks.idle();
  }, 60_000);
});
