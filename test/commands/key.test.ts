import { describe, expect, it } from "vitest";
import { key, keyBlocks, keyCommand, keyText } from "../../src/commands/key.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import { startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { ADMIN, ALICE, BOB, caught, HOUR } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("key", () => {
  it("shows that someone has no key, then the one they set, and the newer of that and their last request's", async () => {
    expect(keyText(await key(w.ctx(BOB), {}))).toBe(`${BOB.id} has no SSH key on record.`);
    const pair = makeKeyPair("bob");
    const set = await key(w.ctx(BOB), { action: "set", sshKey: pair.publicKey });
    expect(set.fingerprint).toMatch(/^SHA256:/);
    expect(w.deps.store.currentKeyOf(BOB.id)).toBe(pair.publicKey);
    expect(keyText(await key(w.ctx(BOB), { action: "show" }))).toBe(
      `${BOB.id}'s SSH key: ${set.fingerprint}`,
    );
    // A later request with another key makes that one current; setting again takes over once more.
    w.clock.advance(HOUR);
    const machine = w.plant(BOB.id);
    expect(w.deps.store.currentKeyOf(BOB.id)).toBe(machine.sshKeys[0]);
    w.clock.advance(HOUR);
    await key(w.ctx(BOB), { action: "set", sshKey: pair.publicKey });
    expect(w.deps.store.currentKeyOf(BOB.id)).toBe(pair.publicKey);
  });

  it("lets only the person or an admin set or see a key, and refuses bad keys writing nothing", async () => {
    const notYours = await caught(() =>
      key(w.ctx(ALICE), { action: "set", user: BOB.id, sshKey: makeKeyPair().publicKey }),
    );
    expect(notYours).toBeInstanceOf(ForbiddenError);
    expect(await caught(() => key(w.ctx(ALICE), { user: BOB.id }))).toBeInstanceOf(ForbiddenError);
    const secret = await caught(() => key(w.ctx(BOB), { action: "set", sshKey: makeKeyPair().privateKey }));
    expect(secret).toMatchObject({ code: "private_key", field: "sshKey" });
    const two = await caught(() =>
      key(w.ctx(BOB), { action: "set", sshKey: `${makeKeyPair().publicKey}\n${makeKeyPair().publicKey}` }),
    );
    expect(two).toMatchObject({ code: "multiple_keys" });
    expect(await caught(() => key(w.ctx(BOB), { action: "set" }))).toMatchObject({
      message: "Give the key to set with --ssh-key.",
      field: "sshKey",
    });
    expect(await caught(() => keyCommand.execute(w.ctx(BOB), { action: "delete" }))).toMatchObject({
      field: "action",
    });
    expect(w.deps.store.keys.get(BOB.id)).toBeNull();
    const byAdmin = await key(w.ctx(ADMIN), { action: "set", user: BOB.id, sshKey: makeKeyPair().publicKey });
    expect(w.deps.store.keys.get(BOB.id)).toMatchObject({ setBy: ADMIN.id });
    expect(JSON.stringify(keyBlocks(byAdmin).blocks)).toContain(`<@${BOB.id}>'s SSH key is`);
  });

  it("shows a key without Hetzner settings, and asks for them before setting one", async () => {
    const h = await startHarness();
    try {
      const noCloud = { env: { HCLOUD_TOKEN: "" } };
      // What was typed comes first: a private key is refused before the missing settings are named.
      const typo = await runCcc(
        h,
        ["key", "set", "--user", BOB.id, "--ssh-key", makeKeyPair().privateKey],
        noCloud,
      );
      expect(typo.code).toBe(2);
      expect(typo.stderr).not.toContain("HCLOUD_TOKEN");
      expect(typo.stderr).toMatch(/private key/i);
      const shown = await runCcc(h, ["key", "--user", BOB.id], noCloud);
      expect(shown).toMatchObject({ code: 0, stdout: `${BOB.id} has no SSH key on record.\n` });
      const set = await runCcc(
        h,
        ["key", "set", "--user", BOB.id, "--ssh-key", makeKeyPair().publicKey],
        noCloud,
      );
      expect(set.code).toBe(2);
      expect(set.stderr).toContain("HCLOUD_TOKEN is not set");
      expect(h.deps.store.keys.get(BOB.id)).toBeNull();
    } finally {
      await h.close();
    }
  });

  it("has `ccc key [set] --user --ssh-key` and `/ccc key`, which opens the form", () => {
    const cli = keyCommand.doors.cli;
    expect(cli?.args).toEqual(["[action]"]);
    expect(cli?.options?.map((o) => o.flags)).toEqual(["--user <user>", "--ssh-key <file|-|key>"]);
    expect(keyCommand.doors.slack?.hook).toBe("key-modal");
  });
});
