// The real-sshd stand-in's person login (stand-ins/sshd-login.ts), which the demo's machines use: `claude`
// gets a shell with the keys the machine's files list, read live, in a namespace that leaves this host's
// accounts alone; stopping the machine ends the sessions still open.
import { execFile, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { freeUid } from "../../stand-ins/sshd-login.ts";

const run = promisify(execFile);

function writeKey(dir: string, name: string): { path: string; publicKey: string } {
  const pair = generateHostKey(name);
  const path = join(dir, name);
  writeFileSync(path, pair.privateKey, { mode: 0o600 });
  return { path, publicKey: pair.publicKey };
}

const sshArgs = (key: string, sshd: FakeSshd) => [
  ...["-i", key, "-p", String(sshd.port), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"],
  ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"],
  `claude@${sshd.host}`,
];

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe.skipIf(sshdMissingReason)(
  `a person's login on the sshd stand-in${sshdMissingReason ? ` (skipped: ${sshdMissingReason})` : ""}`,
  () => {
    async function machine() {
      // claude must reach its home and the login script: the folders above them let others pass (o+x).
      chmodSync(tmpdir(), statSync(tmpdir()).mode | 0o001);
      const dir = mkdtempSync(join(tmpdir(), "ccc-login-"));
      chmodSync(dir, 0o711);
      const root = join(dir, "root");
      mkdirSync(join(root, "home/claude"), { recursive: true });
      mkdirSync(join(root, "etc/ssh/authorized_keys.d"), { recursive: true });
      const [owner, guest, operator] = [
        writeKey(dir, "owner"),
        writeKey(dir, "guest"),
        writeKey(dir, "operator"),
      ];
      writeFileSync(join(root, "etc/ssh/authorized_keys.d/claude"), `${owner.publicKey}\n`, { mode: 0o644 });
      writeFileSync(join(root, "motd"), "Welcome to ccc-test01\n");
      const live = join(root, "var/lib/cloud-instance/authorized_keys");
      const uid = freeUid();
      const sshd = await startSshd({
        authorizedKeys: [operator.publicKey],
        forced: { program: FAKE_CCC_APPLY, root },
        login: {
          user: "claude",
          uid,
          home: join(root, "home/claude"),
          authorizedKeysFiles: [live, join(root, "etc/ssh/authorized_keys.d/claude")],
          motdFile: join(root, "motd"),
          hostname: "ccc-test01",
        },
      });
      cleanup.push(async () => {
        await sshd.stop();
        rmSync(dir, { recursive: true, force: true });
      });
      return { sshd, owner, guest, operator, live, uid, root };
    }

    it("lets the machine's keys in to a shell as claude, in its home, under the machine's name", async () => {
      const m = await machine();
      const { stdout } = await run("ssh", [
        ...sshArgs(m.owner.path, m.sshd),
        "id -un; id -u; hostname; pwd; touch mine",
      ]);
      expect(stdout.trim().split("\n")).toEqual([
        "claude",
        String(m.uid),
        "ccc-test01",
        join(m.root, "home/claude"),
      ]);
      // This host's own accounts are untouched (the namespace had its copy of /etc/passwd).
      expect(readFileSync("/etc/passwd", "utf8")).not.toContain(`:${m.uid}:${m.uid}:`);
      // A key the machine does not list is refused, for claude and for root (the operator's only).
      await expect(run("ssh", [...sshArgs(m.guest.path, m.sshd), "true"])).rejects.toThrow(
        /Permission denied/,
      );
      await expect(
        run("ssh", [...sshArgs(m.owner.path, m.sshd).slice(0, -1), `root@${m.sshd.host}`, "true"]),
      ).rejects.toThrow(/Permission denied/);
    });

    it("reads the live keys file at each login (a share), and stop() ends the sessions still open", async () => {
      const m = await machine();
      mkdirSync(join(m.live, ".."), { recursive: true });
      writeFileSync(m.live, `${m.guest.publicKey}\n`, { mode: 0o644 });
      expect((await run("ssh", [...sshArgs(m.guest.path, m.sshd), "id -un"])).stdout.trim()).toBe("claude");

      const open = spawn("ssh", [...sshArgs(m.owner.path, m.sshd), "echo in; sleep 60"]);
      const ended = new Promise<number | null>((resolve) => open.once("exit", resolve));
      await new Promise<void>((resolve) => open.stdout.once("data", () => resolve()));
      await m.sshd.stop();
      const code = await Promise.race([ended, new Promise((r) => setTimeout(() => r("still open"), 10_000))]);
      expect(code).not.toBe("still open");
    }, 30_000);
  },
);
