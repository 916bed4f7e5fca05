import { describe, expect, it } from "vitest";
import { deprovision } from "../../src/commands/deprovision.ts";
import { extend } from "../../src/commands/extend.ts";
import { parseInput } from "../../src/commands/input.ts";
import { key } from "../../src/commands/key.ts";
import { share, shareBlocks, shareCommand, shareInput, shareText } from "../../src/commands/share.ts";
import { status, statusText } from "../../src/commands/status.ts";
import { unshare } from "../../src/commands/unshare.ts";
import { ForbiddenError, QuotaError } from "../../src/core/errors.ts";
import { guestGrants, guestSecretsSentence } from "../../src/render/access.ts";
import { requiredWords } from "../../src/slack/slash/parse.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { ADMIN, ALICE, anInstance, BOB, caught, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();
const CAROL = { id: "U0CAROL", isAdmin: false };

/** A ready machine of Alice's; without a pinned host key, so nothing is sent anywhere. */
const ready = () => w.plant(ALICE.id, { status: "ready", ipv4: "203.0.113.7" });

describe("share", () => {
  it("reads a Slack mention or a name, refuses a bare @name and bad keys before anything is looked up", async () => {
    const key = makeKeyPair().publicKey;
    expect(parseInput(shareInput, { id: "CCC-ABCDEF", with: "<@U0BOB|bob>" })).toEqual({
      id: "ccc-abcdef",
      with: "U0BOB",
      sshKey: null,
      noSudo: false,
      withSecrets: false,
    });
    // Issue 20, finding 4: a bare @bob is never taken as the name "bob"; the doors resolve it through Slack first.
    const bare = await caught(() => parseInput(shareInput, { id: "ccc-abcdef", with: "@bob", sshKey: key }));
    expect(bare).toMatchObject({ field: "with", code: "unresolved_mention" });
    expect((bare as Error).message).toMatch(
      /^ccc cannot tell who @bob is: pick the person from Slack's list/,
    );
    expect(parseInput(shareInput, { id: "ccc-abcdef", with: "<@U0BOB>" }).with).toBe("U0BOB");
    const bad = await caught(() => parseInput(shareInput, { id: "ccc-abcdef", with: "bob smith" }));
    expect(bad).toMatchObject({ field: "with" });
    const secret = await caught(() =>
      parseInput(shareInput, { id: "ccc-abcdef", with: "bob", sshKey: makeKeyPair().privateKey }),
    );
    expect(secret).toMatchObject({ code: "private_key", field: "sshKey" });
    const two = await caught(() =>
      parseInput(shareInput, { id: "ccc-abcdef", with: "bob", sshKey: `${key}\n${makeKeyPair().publicKey}` }),
    );
    expect(two).toMatchObject({ code: "multiple_keys", field: "sshKey" });
    expect(w.deps.store.events()).toEqual([]);
  });

  it("lets a guest in with the key they used last or the one given, and status shows who has access", async () => {
    const machine = ready();
    w.plant(BOB.id); // Bob's own earlier machine: the key he used last.
    const bobKey = w.deps.store.currentKeyOf(BOB.id);
    const shown = await shareCommand.execute(w.ctx(ALICE), { id: machine.id, with: `<@${BOB.id}|bob>` });
    expect(shown.json()).toEqual({
      id: machine.id,
      guest: BOB.id,
      access: [
        { who: ALICE.id, role: "owner" },
        { who: BOB.id, role: "guest", sudo: true, login: "claude" },
      ],
      machine: "skipped",
      guestTold: "sent",
      sudo: true,
      login: "claude",
      grants: guestGrants(true),
      withSecrets: false,
      secrets: guestSecretsSentence(false, true),
    });
    expect(w.deps.store.guests.list(machine.id)).toMatchObject([
      { guest: BOB.id, sshKey: bobKey, addedBy: ALICE.id },
    ]);
    const carolKey = makeKeyPair("carol").publicKey;
    await share(w.ctx(ADMIN), { id: machine.id, with: CAROL.id, sshKey: carolKey });
    expect(w.deps.store.guests.list(machine.id).map((g) => g.sshKey)).toEqual([bobKey, carolKey]);
    expect(w.deps.store.events(machine.id).filter((e) => e.kind === "shared")).toMatchObject([
      { actor: ALICE.id, detail: `with ${BOB.id}, as claude with sudo` },
      { actor: ADMIN.id, detail: `with ${CAROL.id}, as claude with sudo` },
    ]);
    const text = statusText(status(w.ctx(ALICE), { id: machine.id }), NOW);
    expect(text).toContain(`access:   ${ALICE.id} (owner), ${BOB.id} (sudo), ${CAROL.id} (sudo)`);
  });

  it("tells the guest by DM how to log in, naming who let them in", async () => {
    const machine = ready();
    const result = await share(w.ctx(ALICE), {
      id: machine.id,
      with: BOB.id,
      sshKey: makeKeyPair().publicKey,
    });
    expect(result.guestTold).toBe("sent");
    expect(w.notes.notices).toMatchObject([
      { kind: "shared", to: BOB.id, by: ALICE.id, instance: { id: machine.id } },
    ]);
  });

  it("asks a guest with no key for one, and lets them in when they set it", async () => {
    const machine = ready();
    const waiting = await share(w.ctx(ALICE), { id: machine.id, with: `<@${CAROL.id}>` });
    expect(waiting.machine).toBeNull();
    expect(shareText(waiting)).toBe(
      `${machine.id} will be shared with ${CAROL.id}. ${CAROL.id} has no SSH key on record: ccc asked them to set one, and lets them in when they do.\naccess: ${ALICE.id} (owner)\n${guestGrants(true)}`,
    );
    expect(w.deps.store.guests.list(machine.id)).toEqual([]);
    expect(w.notes.summary()).toEqual([`key_needed ${machine.id}`]);
    expect(w.notes.notices[0]).toMatchObject({ to: CAROL.id, by: ALICE.id });

    const carolKey = makeKeyPair("carol").publicKey;
    const set = await key(w.ctx(CAROL), { action: "set", sshKey: carolKey });
    expect(set.shared.map((s) => s.instance.id)).toEqual([machine.id]);
    expect(w.deps.store.guests.list(machine.id)).toMatchObject([
      { guest: CAROL.id, sshKey: carolKey, addedBy: ALICE.id },
    ]);
    expect(w.deps.store.pendingShares.forGuest(CAROL.id)).toEqual([]);
    expect(w.notes.summary()).toEqual([`key_needed ${machine.id}`, `shared ${machine.id}`]);
  });

  it("keeps a share without sudo waiting for a key without sudo when it completes", async () => {
    const machine = ready();
    const waiting = await share(w.ctx(ALICE), { id: machine.id, with: CAROL.id, noSudo: true });
    expect(waiting).toMatchObject({ machine: null, sudo: false });
    expect(w.deps.store.pendingShares.forGuest(CAROL.id)).toMatchObject([{ noSudo: true }]);
    await key(w.ctx(CAROL), { action: "set", sshKey: makeKeyPair("carol").publicKey });
    expect(w.deps.store.guests.list(machine.id)).toMatchObject([{ guest: CAROL.id, account: "ccc-guest-1" }]);
  });

  it("refuses a person with no key whom ccc cannot reach, leaving nothing behind", async () => {
    const machine = ready();
    w.notes.failFor = "U0NOBODY";
    const refused = await caught(() => share(w.ctx(ALICE), { id: machine.id, with: "U0NOBODY" }));
    expect(refused).toMatchObject({
      code: "no_key",
      message:
        "U0NOBODY has no SSH key on record, and ccc could not reach them to ask for one. Check the name, or give their key (--ssh-key).",
    });
    expect(w.deps.store.pendingShares.forInstance(machine.id)).toEqual([]);
    expect(w.deps.store.events(machine.id).map((e) => e.kind)).not.toContain("share_waiting");
  });

  it("drops a waiting share whose machine went meanwhile, and unshare takes back one still waiting", async () => {
    const gone = ready();
    const kept = ready();
    await share(w.ctx(ALICE), { id: gone.id, with: CAROL.id });
    await share(w.ctx(ALICE), { id: kept.id, with: CAROL.id });
    w.deps.store.update(gone.id, { status: "deleted" }, { actor: "test", kind: "deleted" });
    const back = await unshare(w.ctx(ALICE), { id: kept.id, with: CAROL.id });
    expect(back.machine).toBeNull();
    expect(w.deps.store.events(kept.id).map((e) => e.kind)).toContain("unshared");
    const set = await key(w.ctx(CAROL), { action: "set", sshKey: makeKeyPair().publicKey });
    expect(set.shared).toEqual([]);
    expect(set.dropped).toEqual([{ instanceId: gone.id, reason: `${gone.id} is deleted.` }]);
    expect(w.deps.store.guests.list(gone.id)).toEqual([]);
    expect(w.deps.store.guests.list(kept.id)).toEqual([]);
  });

  it("gives a guest no right to extend, delete or re-share", async () => {
    const machine = ready();
    await share(w.ctx(ALICE), { id: machine.id, with: BOB.id, sshKey: makeKeyPair().publicKey });
    for (const attempt of [
      () => extend(w.ctx(BOB), { id: machine.id, hours: 1 }),
      () => deprovision(w.ctx(BOB), { id: machine.id }),
      () => share(w.ctx(BOB), { id: machine.id, with: CAROL.id, sshKey: makeKeyPair().publicKey }),
    ]) {
      expect(await caught(attempt)).toBeInstanceOf(ForbiddenError);
    }
    expect(w.deps.store.require(machine.id).status).toBe("ready");
    expect(w.deps.store.guests.list(machine.id).map((g) => g.guest)).toEqual([BOB.id]);
  });

  it("refuses someone else's machine, one not ready, and a key past the cap", async () => {
    const machine = ready();
    const notMine = await caught(() => share(w.ctx(BOB), { id: machine.id, with: CAROL.id }));
    expect(notMine).toMatchObject({ message: `${machine.id} is not yours, so you cannot share it.` });
    const installing = w.plant(ALICE.id, { status: "installing" });
    expect(await caught(() => share(w.ctx(ALICE), { id: installing.id, with: BOB.id }))).toMatchObject({
      code: "not_live",
    });
    // The owner's key and seven guests make eight; the ninth is refused and nothing changes.
    for (let n = 1; n <= 7; n++) {
      await share(w.ctx(ALICE), { id: machine.id, with: `guest${n}`, sshKey: makeKeyPair().publicKey });
    }
    const ninth = await caught(() =>
      share(w.ctx(ALICE), { id: machine.id, with: "guest8", sshKey: makeKeyPair().publicKey }),
    );
    expect(ninth).toBeInstanceOf(QuotaError);
    expect(ninth).toMatchObject({ message: `${machine.id} already has 8 keys; at most 8 are allowed.` });
    // Replacing a guest's key does not count twice.
    await share(w.ctx(ALICE), { id: machine.id, with: "guest7", sshKey: makeKeyPair().publicKey });
    expect(w.deps.store.guests.list(machine.id)).toHaveLength(7);
  });

  it("renders who has access and whether the machine has the keys yet", () => {
    const result = {
      instance: anInstance(),
      guest: BOB.id,
      access: [
        { who: ALICE.id, role: "owner" as const },
        { who: "bob", role: "guest" as const },
      ],
      machine: { kind: "pushed" as const, expiresAt: NOW },
      guestTold: "sent" as const,
      sudo: true,
      login: "claude",
      withSecrets: false,
    };
    expect(shareText(result)).toBe(
      `ccc-abcdef is shared with ${BOB.id}. They log in with: ssh claude@203.0.113.7\naccess: ${ALICE.id} (owner), bob\nThe machine has the new keys.\n${BOB.id} was told how to log in.\nThey log in as claude, with sudo: root on the machine. They can read and change everything on it, the owner's files, SSH keys and Claude login included. Unshare removes the key and ends the SSH sessions that logged in with it, but anything they set up meanwhile (keys, services, changes in the work folder) stays until the machine is deleted. For less, share with --no-sudo.`,
    );
    expect(shareText({ ...result, ownerSecrets: 1 })).toContain(
      "\nYour secrets (ccc secret) leave the machine while they have access and come back when the last such guest is unshared; share --with-secrets to keep them.",
    );
    expect(shareText({ ...result, withSecrets: true })).toContain(
      "With secrets: your secrets stay on the machine while they have access, and as claude they can read them",
    );
    expect(JSON.stringify(shareBlocks({ ...result, withSecrets: true }).blocks)).toContain(
      "With secrets: your secrets stay on the machine",
    );
    const without = shareText({ ...result, sudo: false, login: "ccc-guest-1" });
    expect(without).toContain("They log in with: ssh ccc-guest-1@203.0.113.7");
    expect(without).toContain(
      "They log in as ccc-guest-1, without sudo: they can read and write the work folder (/home/claude/work) and nothing else of the owner's (not their home, SSH keys or Claude login), and cannot become root.",
    );
    const message = shareBlocks({ ...result, machine: { kind: "pending", message: "down", retryAt: NOW } });
    expect(message.text).toBe(
      "ccc-abcdef is shared. The machine will get the new keys when it can be reached.",
    );
    expect(JSON.stringify(message.blocks)).toContain(`<@${ALICE.id}> (owner), bob`);
    expect(JSON.stringify(message.blocks)).toContain(
      "They log in as claude, with sudo: root on the machine.",
    );
  });

  it("takes an id, a person, no-sudo and with-secrets in Slack, and --with, --ssh-key, --no-sudo and --with-secrets in the CLI", async () => {
    const slack = shareCommand.doors.slack;
    expect(slack && requiredWords(slack.usage)).toBe(2);
    expect(slack?.input(["ccc-abcdef", "<@U0BOB|bob>"])).toEqual({
      id: "ccc-abcdef",
      with: "<@U0BOB|bob>",
      noSudo: undefined,
      withSecrets: false,
    });
    const words = slack?.input(["ccc-abcdef", "<@U0BOB|bob>", "no-sudo"]);
    expect(parseInput(shareInput, words)).toMatchObject({ noSudo: true, withSecrets: false });
    const both = slack?.input(["ccc-abcdef", "<@U0BOB|bob>", "with-secrets", "no-sudo"]);
    expect(parseInput(shareInput, both)).toMatchObject({ noSudo: true, withSecrets: true });
    const secretsOnly = slack?.input(["ccc-abcdef", "<@U0BOB|bob>", "with-secrets"]);
    expect(parseInput(shareInput, secretsOnly)).toMatchObject({ noSudo: false, withSecrets: true });
    const typo = await caught(() => parseInput(shareInput, slack?.input(["ccc-abcdef", "bob", "nosudoo"])));
    expect(typo).toMatchObject({ code: "bad_option", field: "noSudo" });
    const typo2 = await caught(() =>
      parseInput(shareInput, slack?.input(["ccc-abcdef", "bob", "with-secret"])),
    );
    expect(typo2).toMatchObject({ code: "bad_option" });
    expect(shareCommand.doors.cli?.options?.map((o) => o.flags)).toEqual([
      "--with <user>",
      "--ssh-key <file|-|key>",
      "--no-sudo",
      "--with-secrets",
    ]);
  });

  it("lets a guest in without sudo to an account of their own, the first free one, and says so", async () => {
    const machine = ready();
    const bobKey = makeKeyPair("bob").publicKey;
    const shown = await shareCommand.execute(w.ctx(ALICE), {
      id: machine.id,
      with: BOB.id,
      sshKey: bobKey,
      noSudo: true,
    });
    expect(shown.json()).toMatchObject({
      sudo: false,
      login: "ccc-guest-1",
      grants: guestGrants(false, "they", "ccc-guest-1"),
    });
    expect(shown.text({ now: NOW, actor: ALICE })).toContain("ssh ccc-guest-1@203.0.113.7");
    await share(w.ctx(ALICE), { id: machine.id, with: CAROL.id, sshKey: makeKeyPair("carol").publicKey });
    await share(w.ctx(ALICE), {
      id: machine.id,
      with: "dave",
      sshKey: makeKeyPair("dave").publicKey,
      noSudo: true,
    });
    expect(w.deps.store.guests.list(machine.id).map((g) => [g.guest, g.account])).toEqual([
      [BOB.id, "ccc-guest-1"],
      [CAROL.id, null],
      ["dave", "ccc-guest-2"],
    ]);
    expect(w.notes.notices.filter((n) => n.kind === "shared").map((n) => "login" in n && n.login)).toEqual([
      "ccc-guest-1",
      "claude",
      "ccc-guest-2",
    ]);
    const text = statusText(status(w.ctx(ALICE), { id: machine.id }), NOW);
    expect(text).toContain(
      `access:   ${ALICE.id} (owner), ${BOB.id} (no sudo), ${CAROL.id} (sudo), dave (no sudo)`,
    );
    // Unshared, the account is free for the next guest without sudo.
    await unshare(w.ctx(ALICE), { id: machine.id, with: BOB.id });
    await share(w.ctx(ALICE), {
      id: machine.id,
      with: "erin",
      sshKey: makeKeyPair("erin").publicKey,
      noSudo: true,
    });
    expect(w.deps.store.guests.list(machine.id).find((g) => g.guest === "erin")?.account).toBe("ccc-guest-1");
  });
});
