// The real ccc-apply against a temporary root with the module's guest accounts in its /etc/passwd: which key
// file each guest account gets, the shared work folder, and what happens to an account's home when its guest
// goes or the account is given to someone else.

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { makeKeyPair } from "../helpers/keys.ts";
import { goodDocument, machineId } from "../nix/ccc-apply-cases.ts";

const NIX_DIR = resolve(import.meta.dirname, "../../nix");
const SCRIPT = join(NIX_DIR, "packages/ccc-apply/ccc-apply.mjs");
// Ids no host account has, so no process of this host is ever one of theirs.
const GUEST_UID = 64191;
const CLAUDE_UID = 64190;
const WORK_GID = 64192;

const bob = makeKeyPair("bob@laptop").publicKey;
const carol = makeKeyPair("carol@laptop").publicKey;
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function machine(): string {
  const root = mkdtempSync(join(tmpdir(), "ccc-guest-apply-"));
  roots.push(root);
  mkdirSync(join(root, "etc/cloud-instance"), { recursive: true });
  writeFileSync(join(root, "etc/cloud-instance/instance-id"), `${machineId}\n`);
  copyFileSync(join(NIX_DIR, "CLAUDE.cloud-instance.md"), join(root, "etc/cloud-instance/CLAUDE.md.in"));
  writeFileSync(
    join(root, "etc/passwd"),
    `root:x:0:0::/root:/bin/sh\nclaude:x:${CLAUDE_UID}:100::/home/claude:/bin/sh\nccc-guest-1:x:${GUEST_UID}:100::/home/ccc-guest-1:/bin/sh\n`,
  );
  writeFileSync(join(root, "etc/group"), `users:x:100:\nccc-work:x:${WORK_GID}:claude,ccc-guest-1\n`);
  mkdirSync(join(root, "home/ccc-guest-1"), { recursive: true });
  mkdirSync(join(root, "home/claude"), { recursive: true });
  return root;
}

async function apply(root: string, doc: object) {
  const run = await execa("node", [SCRIPT, "--root", root], { input: JSON.stringify(doc), reject: false });
  return { code: run.exitCode, answer: JSON.parse(run.stdout) as Record<string, unknown> };
}

const withGuest = (key: string) => ({
  ...goodDocument,
  version: 2,
  guestAccounts: [{ account: "ccc-guest-1", authorizedKeys: [key] }],
});
const keyFile = (root: string) => join(root, "var/lib/cloud-instance/authorized_keys.d/ccc-guest-1");
const home = (root: string) => join(root, "home/ccc-guest-1");

describe("ccc-apply's guest accounts", () => {
  it("writes the guest's key for their account only, and shares the work folder through ccc-work", async () => {
    const root = machine();
    const { code, answer } = await apply(root, withGuest(bob));
    expect(code).toBe(0);
    expect(answer).toMatchObject({
      ok: true,
      authorizedKeys: goodDocument.authorizedKeys,
      guestAccounts: [{ account: "ccc-guest-1", authorizedKeys: [bob] }],
    });
    expect(readFileSync(keyFile(root), "utf8")).toBe(`${bob}\n`);
    // The guest's key is not claude's.
    expect(readFileSync(join(root, "var/lib/cloud-instance/authorized_keys"), "utf8")).not.toContain(bob);
    const work = statSync(join(root, "home/claude/work"));
    expect({ uid: work.uid, gid: work.gid, mode: (work.mode & 0o7777).toString(8) }).toEqual({
      uid: CLAUDE_UID,
      gid: WORK_GID,
      mode: "2770",
    });
  });

  it("keeps a guest's home while they stay, empties it when they go or the account goes to someone else", async () => {
    const root = machine();
    expect((await apply(root, withGuest(bob))).code).toBe(0);
    writeFileSync(join(home(root), ".bashrc"), "planted\n");
    expect((await apply(root, withGuest(bob))).code).toBe(0);
    expect(readdirSync(home(root))).toEqual([".bashrc"]);

    // The same account, another key and no key in common: a new guest, who starts clean.
    expect((await apply(root, withGuest(carol))).code).toBe(0);
    expect(readdirSync(home(root))).toEqual([]);
    expect(readFileSync(keyFile(root), "utf8")).toBe(`${carol}\n`);

    writeFileSync(join(home(root), "notes"), "theirs\n");
    const gone = await apply(root, goodDocument);
    expect(gone.code).toBe(0);
    expect(existsSync(keyFile(root))).toBe(false);
    expect(readdirSync(home(root))).toEqual([]);
  });
});
