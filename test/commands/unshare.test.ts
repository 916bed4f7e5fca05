import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/commands/input.ts";
import { share } from "../../src/commands/share.ts";
import {
  unshare,
  unshareBlocks,
  unshareCommand,
  unshareInput,
  unshareText,
} from "../../src/commands/unshare.ts";
import { ForbiddenError, UserError } from "../../src/core/errors.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { ALICE, anInstance, BOB, caught, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("unshare", () => {
  it("reads the person like share does", () => {
    expect(parseInput(unshareInput, { id: "ccc-abcdef", with: "<@U0BOB|bob>" })).toEqual({
      id: "ccc-abcdef",
      with: "U0BOB",
    });
  });

  it("takes a guest's access away, and refuses others and people who were no guests", async () => {
    const machine = w.plant(ALICE.id, { status: "ready", ipv4: "203.0.113.7" });
    await share(w.ctx(ALICE), { id: machine.id, with: BOB.id, sshKey: makeKeyPair().publicKey });
    expect(await caught(() => unshare(w.ctx(BOB), { id: machine.id, with: BOB.id }))).toBeInstanceOf(
      ForbiddenError,
    );
    const shown = await unshareCommand.execute(w.ctx(ALICE), { id: machine.id, with: `@${BOB.id}` });
    expect(shown.json()).toMatchObject({ guest: BOB.id, access: [{ who: ALICE.id, role: "owner" }] });
    expect(w.deps.store.guests.list(machine.id)).toEqual([]);
    expect(w.deps.store.events(machine.id).at(-1)).toMatchObject({ actor: ALICE.id, kind: "unshared" });
    const again = await caught(() => unshare(w.ctx(ALICE), { id: machine.id, with: BOB.id }));
    expect(again).toBeInstanceOf(UserError);
    expect(again).toMatchObject({ message: `${machine.id} is not shared with ${BOB.id}.` });
  });

  it("renders who is left and whether the machine knows yet", () => {
    const result = {
      instance: anInstance(),
      guest: "bob",
      access: [{ who: ALICE.id, role: "owner" as const }],
      machine: { kind: "skipped" as const, reason: "no-host-key" as const },
      guestTold: null,
      sudo: true,
      login: "claude",
      withSecrets: false,
    };
    expect(unshareText(result)).toBe(
      `ccc-abcdef is no longer shared with bob.\naccess: ${ALICE.id} (owner)\nThe machine was installed before ccc pinned host keys, so ccc cannot send it keys.`,
    );
    const blocks = unshareBlocks({ ...result, machine: { kind: "pushed", expiresAt: NOW } });
    expect(blocks.text).toBe("ccc-abcdef is no longer shared. The machine has the new keys.");
    expect(JSON.stringify(blocks.blocks)).toContain(
      "They had no open SSH session. They had sudo: what they set up on the machine stays until it is deleted.",
    );
    const ended = { kind: "pushed" as const, expiresAt: NOW, sessions: { ended: 2, unchecked: 0 } };
    expect(unshareText({ ...result, machine: ended, sudo: false, login: "ccc-guest-2" })).toBe(
      `ccc-abcdef is no longer shared with bob.\naccess: ${ALICE.id} (owner)\nThe machine has the new keys. 2 open SSH sessions of theirs were ended. Every process of ccc-guest-2 was ended and its home emptied.`,
    );
    const unchecked = { ...ended, sessions: { ended: 0, unchecked: 1, error: "cannot read sshd's log" } };
    expect(unshareText({ ...result, machine: unchecked })).toContain(
      "1 session could not be told apart by key (cannot read sshd's log) and was left running.",
    );
  });
});
