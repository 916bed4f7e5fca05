// A machine that guests log in to: a real OpenSSH server (in a mount namespace of its own, so the
// machine's accounts exist for it and not for the host) running the real ccc-apply as root's forced
// command, against a folder laid out as the NixOS module lays out the machine: /etc/passwd and /etc/group
// with claude, the guest accounts and the ccc-work group, /home/claude (0710), the key files sshd reads.
// Guests log in with the real ssh client and run real processes under the accounts' user ids.
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { execaSync } from "execa";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";

const NIX_DIR = resolve(import.meta.dirname, "../../nix");
export const CCC_APPLY = join(NIX_DIR, "packages/ccc-apply/ccc-apply.mjs");
const FAKE_BIN = resolve(import.meta.dirname, "../../stand-ins/bin");

// Far above the host's own users, so a test's processes are told apart by their user id.
/** Why guests cannot log in to a stand-in machine here, or null when they can. */
export const guestMachineMissingReason: string | null =
  sshdMissingReason ??
  (execaSync("unshare", ["--mount", "true"], { reject: false }).exitCode !== 0
    ? "the machine's accounts need a mount namespace of their own (unshare --mount), which this container does not allow"
    : null);

/** Why the work folder's default ACL cannot be set here, or null when it can. */
export const setfaclMissingReason: string | null =
  execaSync("setfacl", ["--version"], { reject: false }).exitCode !== 0
    ? "setfacl is not installed (apt-get install acl; .ci/run does)"
    : null;

export const CLAUDE_UID = 64101;
export const USERS_GID = 100;
export const WORK_GID = 64100;
export const WHEEL_GID = 64099;
export const GUESTS = [1, 2, 3, 4, 5, 6, 7].map((n) => ({ name: `ccc-guest-${n}`, uid: 64110 + n }));
const NAMES = ["claude", ...GUESTS.map((g) => g.name)];
const UIDS = [CLAUDE_UID, ...GUESTS.map((g) => g.uid)];

export interface GuestMachine {
  root: string;
  sshd: FakeSshd;
  /** The work folder as a path on this host. */
  work: string;
  /** Logs in as `user` with `privateKey` and runs `command`; resolves once it printed its first line. */
  login(user: string, privateKey: string, command: string): Promise<Session>;
  /** Runs one command as `user` and answers its exit code, standard output and error. */
  run(user: string, privateKey: string, command: string): Promise<{ code: number; out: string; err: string }>;
  /** Stops sshd and every process of the machine's accounts. */
  stop(): Promise<void>;
}

export interface Session {
  child: ChildProcess;
  /** Resolves with the client's exit code once the connection is gone. */
  ended: Promise<number | null>;
  output(): string;
}

/** Lays out the machine for `instance` (with a new host key recorded for it) and starts its sshd. */
export async function startGuestMachine(deps: CoreDeps, instance: Instance): Promise<GuestMachine> {
  const hostKey = generateHostKey(`root@${instance.id}`);
  deps.store.update(instance.id, { hostKey: hostKey.publicKey }, { actor: "test", kind: "installed" });
  const root = mkdtempSync(join(tmpdir(), "ccc-guest-machine-"));
  openToAll(root);
  layOut(root, instance.id);
  const sshd = await startSshd({
    authorizedKeys: [deps.operatorKey.publicKey],
    hostKey,
    forced: {
      program: CCC_APPLY,
      root,
      env: { PATH: `${FAKE_BIN}${delimiter}${process.env.PATH}` },
    },
    host: instance.ipv4 ?? "",
    port: deps.timing.sshPort,
    logins: {
      etcDir: join(root, "etc"),
      users: NAMES,
      authorizedKeysFile: join(root, "var/lib/cloud-instance/authorized_keys.d/%u"),
    },
  });
  const keyDir = mkdtempSync(join(tmpdir(), "ccc-guest-keys-"));
  const clients: ChildProcess[] = [];
  const sshArgs = (user: string, privateKey: string, command: string) => {
    const keyFile = join(keyDir, `key-${clients.length}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(keyFile, privateKey, { mode: 0o600 });
    return [
      "-i",
      keyFile,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "LogLevel=ERROR",
      "-p",
      String(sshd.port),
      `${user}@${sshd.host}`,
      command,
    ];
  };
  const login = (user: string, privateKey: string, command: string): Promise<Session> => {
    const child = spawn("ssh", sshArgs(user, privateKey, command), { stdio: ["ignore", "pipe", "pipe"] });
    clients.push(child);
    let out = "";
    const ended = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    return new Promise((done, fail) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) done({ child, ended, output: () => out });
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      void ended.then((code) => fail(new Error(`ssh ${user} ended (${code}) before it logged in: ${out}`)));
    });
  };
  const run = (user: string, privateKey: string, command: string) =>
    new Promise<{ code: number; out: string; err: string }>((done) => {
      const child = spawn("ssh", sshArgs(user, privateKey, command), { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
      });
      child.stderr?.on("data", (c: Buffer) => {
        err += c.toString();
      });
      child.once("close", (code) => done({ code: code ?? -1, out, err }));
    });
  return {
    root,
    sshd,
    work: join(root, "home/claude/work"),
    login,
    run,
    stop: async () => {
      for (const client of clients) client.kill("SIGKILL");
      await sshd.stop();
      killAccounts();
      rmSync(root, { recursive: true, force: true });
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

/** The pids running under one of the machine's user ids now. */
export function accountProcesses(uid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, "utf8");
      const uids = (/^Uid:\s+(.*)$/m.exec(status)?.[1] ?? "").split(/\s+/).map(Number);
      // A zombie has ended already (it waits for its parent, here often PID 1, to reap it): not running.
      if (uids.includes(uid) && !/^State:\s+Z/m.test(status)) pids.push(Number(name));
    } catch {}
  }
  return pids;
}

function killAccounts(): void {
  for (const uid of UIDS) {
    for (const pid of accountProcesses(uid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
}

// The accounts' sessions read files under the root: every folder above it must let them pass.
function openToAll(root: string): void {
  chmodSync(root, 0o755);
  for (let dir = dirname(root); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o011);
  }
}

function layOut(root: string, instanceId: string): void {
  const etc = join(root, "etc");
  mkdirSync(join(etc, "cloud-instance"), { recursive: true });
  writeFileSync(join(etc, "cloud-instance/instance-id"), `${instanceId}\n`);
  copyFileSync(join(NIX_DIR, "CLAUDE.cloud-instance.md"), join(etc, "cloud-instance/CLAUDE.md.in"));
  // The host's accounts (sshd's own privilege-separation user among them), less any of the same names.
  const hostLines = (file: string, ours: (fields: string[]) => boolean) =>
    readFileSync(`/etc/${file}`, "utf8")
      .split("\n")
      .filter((line) => line !== "" && !ours(line.split(":")));
  const isOurUser = ([name, , uid]: string[]) => NAMES.includes(name ?? "") || UIDS.includes(Number(uid));
  const homes = (name: string) => `/home/${name}`;
  writeFileSync(
    join(etc, "passwd"),
    [
      ...hostLines("passwd", isOurUser),
      `claude:x:${CLAUDE_UID}:${USERS_GID}::${homes("claude")}:/bin/sh`,
      ...GUESTS.map((g) => `${g.name}:x:${g.uid}:${USERS_GID}::${homes(g.name)}:/bin/sh`),
      "",
    ].join("\n"),
  );
  const groupNames = ["wheel", "ccc-work"];
  writeFileSync(
    join(etc, "group"),
    [
      ...hostLines(
        "group",
        ([name, , gid]) => groupNames.includes(name ?? "") || [WORK_GID, WHEEL_GID].includes(Number(gid)),
      ),
      `wheel:x:${WHEEL_GID}:claude`,
      `ccc-work:x:${WORK_GID}:${NAMES.join(",")}`,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(etc, "shadow"),
    [
      ...hostLines("shadow", ([name]) => NAMES.includes(name ?? "")),
      ...NAMES.map((n) => `${n}:*:20000::::::`),
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  // /home/claude: the group (users) may pass through to the work folder, nothing more.
  const home = join(root, "home/claude");
  mkdirSync(join(home, ".claude"), { recursive: true });
  writeFileSync(join(home, ".claude/.credentials.json"), '{"claudeAiOauth":"the owner\'s"}\n', {
    mode: 0o600,
  });
  mkdirSync(join(home, "work/repo"), { recursive: true });
  writeFileSync(join(home, "work/repo/README.md"), "the owner's work\n", { mode: 0o644 });
  for (const path of [
    home,
    join(home, ".claude"),
    join(home, ".claude/.credentials.json"),
    join(home, "work"),
    join(home, "work/repo"),
    join(home, "work/repo/README.md"),
  ]) {
    chownSync(path, CLAUDE_UID, USERS_GID);
  }
  chmodSync(home, 0o710);
  chmodSync(join(home, ".claude"), 0o700);
  for (const guest of GUESTS) {
    const dir = join(root, "home", guest.name);
    mkdirSync(dir, { recursive: true });
    chownSync(dir, guest.uid, USERS_GID);
    chmodSync(dir, 0o700);
  }
  const state = join(root, "var/lib/cloud-instance");
  mkdirSync(join(state, "authorized_keys.d"), { recursive: true });
  chmodSync(state, 0o755);
  chmodSync(join(state, "authorized_keys.d"), 0o755);
  symlinkSync("../authorized_keys", join(state, "authorized_keys.d/claude"));
}
