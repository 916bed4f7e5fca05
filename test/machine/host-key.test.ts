import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/core/errors.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { applyDocumentFor, checkApplyDocument } from "../../src/core/machine/apply-document.ts";
import { HOST_KEY_FILE, withExtraFiles, writeExtraFiles } from "../../src/core/machine/extra-files.ts";
import { generateHostKey, hostKeyFingerprint, knownHostsLine } from "../../src/core/machine/host-key.ts";
import { machineTarget } from "../../src/core/ports/machine.ts";
import { sshClientMissingReason } from "../../stand-ins/sshd.ts";
import { makeKeyPair } from "../helpers/keys.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccc-host-key-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe("host keys ccc makes", () => {
  it.skipIf(sshClientMissingReason !== null)(
    "are ed25519 keys OpenSSH reads, with the fingerprint ssh-keygen prints",
    async () => {
      const key = generateHostKey("root@ccc-ab12cd");
      expect(key.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/]+=*$/);
      const file = join(dir, "key");
      writeFileSync(file, key.privateKey, { mode: 0o600 });
      const derived = await execa("ssh-keygen", ["-y", "-f", file]);
      expect(derived.stdout.split(" ").slice(0, 2).join(" ")).toBe(key.publicKey);
      const listed = await execa("ssh-keygen", ["-l", "-f", file]);
      expect(listed.stdout.split(" ")[1]).toBe(key.fingerprint);
      expect(hostKeyFingerprint(key.publicKey)).toBe(key.fingerprint);
      expect(generateHostKey("x").publicKey).not.toBe(key.publicKey);
    },
  );

  it("give known_hosts lines in the form ssh looks them up", () => {
    const { publicKey } = generateHostKey("x");
    expect(knownHostsLine("203.0.113.5", 22, publicKey)).toBe(`203.0.113.5 ${publicKey}`);
    expect(knownHostsLine("203.0.113.5", 2222, publicKey)).toBe(`[203.0.113.5]:2222 ${publicKey}`);
    expect(knownHostsLine(["203.0.113.5", "2001:db8::1"], 22, publicKey)).toBe(
      `203.0.113.5,2001:db8::1 ${publicKey}`,
    );
    expect(() => knownHostsLine("evil.example -oProxyCommand=x", 22, publicKey)).toThrow(/IP address/);
    expect(() => knownHostsLine("203.0.113.5", 22, `${publicKey}\n* ssh-ed25519 AAAA`)).toThrow(
      /ssh-ed25519/,
    );
  });
});

describe("the channel's view of an instance", () => {
  it("refuses a machine installed before host keys were pinned, or without an address", () => {
    const instance = { id: "ccc-ab12cd", ipv4: "203.0.113.5", hostKey: null } as unknown as Instance;
    expect(() => machineTarget(instance, 22)).toThrow(/before ccc pinned host keys/);
    const { publicKey } = generateHostKey("x");
    expect(() => machineTarget({ ...instance, ipv4: null, hostKey: publicKey }, 22)).toThrow(/no address/);
    expect(machineTarget({ ...instance, hostKey: publicKey }, 22)).toEqual({
      instanceId: "ccc-ab12cd",
      host: "203.0.113.5",
      port: 22,
      hostKey: publicKey,
    });
  });
});

describe("the --extra-files tree", () => {
  it("holds the host key with the modes the machine needs, and goes away after the install", async () => {
    const key = generateHostKey("root@ccc-ab12cd");
    const tree = join(dir, "ccc-ab12cd.extra-files");
    const seen = await withExtraFiles(tree, key, "root@ccc-ab12cd", async (given) => ({
      given,
      modes: [
        tree,
        join(tree, "etc"),
        join(tree, "etc/ssh"),
        join(tree, HOST_KEY_FILE),
        join(tree, `${HOST_KEY_FILE}.pub`),
      ].map(mode),
      privateKey: readFileSync(join(tree, HOST_KEY_FILE), "utf8"),
      publicKey: readFileSync(join(tree, `${HOST_KEY_FILE}.pub`), "utf8"),
    }));
    expect(seen.given).toBe(tree);
    expect(seen.modes).toEqual(["700", "755", "755", "600", "644"]);
    expect(seen.privateKey).toBe(key.privateKey);
    expect(seen.publicKey).toBe(`${key.publicKey} root@ccc-ab12cd\n`);
    expect(() => statSync(tree)).toThrow(/ENOENT/);
  });

  it("is deleted when the install fails too, and a leftover from an earlier attempt is replaced", async () => {
    const tree = join(dir, "t");
    await writeExtraFiles(tree, generateHostKey("old"), "old");
    const fresh = generateHostKey("new");
    const failing = withExtraFiles(tree, fresh, "new", async () => {
      expect(readFileSync(join(tree, HOST_KEY_FILE), "utf8")).toBe(fresh.privateKey);
      throw new Error("install broke");
    });
    await expect(failing).rejects.toThrow("install broke");
    expect(() => statSync(tree)).toThrow(/ENOENT/);
  });
});

describe("the ccc-apply document", () => {
  const keys = [makeKeyPair("alice@laptop").publicKey];
  const good = {
    version: 1,
    instanceId: "ccc-ab12cd",
    owner: "U012AB3CD",
    expiresAt: "2026-11-25T20:00:00Z",
    authorizedKeys: keys,
  };

  it("is made from an instance record", () => {
    const doc = applyDocumentFor({
      id: "ccc-ab12cd",
      owner: "U012AB3CD",
      sshKeys: keys,
      expiresAt: new Date("2026-11-25T20:00:00.000Z"),
    } as Parameters<typeof applyDocumentFor>[0]);
    expect(doc).toEqual(good);
  });

  it.each([
    ["a later version", { ...good, version: 3 }, /version/],
    [
      "a volume in version 1",
      {
        ...good,
        volume: { linuxDevice: "/dev/disk/by-id/scsi-0HC_Volume_1", mountPoint: "/home/claude/work" },
      },
      /volume|Unrecognized/i,
    ],
    [
      "a volume somewhere else",
      { ...good, version: 2, volume: { linuxDevice: "/dev/sda", mountPoint: "/home/claude/work" } },
      /volume/,
    ],
    ["an unknown field", { ...good, volume: "data" }, /volume|Unrecognized/i],
    ["an id that is not ccc's", { ...good, instanceId: "ccc-AB12CD" }, /instanceId/],
    ["an owner with a space", { ...good, owner: "a b" }, /owner/],
    ["a time without a zone", { ...good, expiresAt: "2026-11-25 20:00" }, /expiresAt/],
    ["a time not in UTC", { ...good, expiresAt: "2026-11-25T20:00:00+01:00" }, /expiresAt/],
    ["no keys", { ...good, authorizedKeys: [] }, /authorizedKeys/],
    ["nine keys", { ...good, authorizedKeys: Array(9).fill(keys[0]) }, /authorizedKeys/],
    ["an options prefix", { ...good, authorizedKeys: [`command="sh" ${keys[0]}`] }, /authorizedKeys/],
    [
      "a key with a line break",
      { ...good, authorizedKeys: [`${keys[0]}\nssh-ed25519 AAAA x`] },
      /authorizedKeys/,
    ],
    ["a DSA key", { ...good, authorizedKeys: ["ssh-dss AAAAB3NzaC1kc3M= old"] }, /authorizedKeys/],
  ])("refuses %s", (_label, doc, field) => {
    const error = (() => {
      try {
        checkApplyDocument(doc);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(field);
    expect((error as Error).message).not.toContain("AAAA");
  });
});
