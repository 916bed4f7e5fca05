// A real OpenSSH server standing in for a machine: Debian's sshd on a loopback address and a free port,
// with the machine's host key, root login for the operator's key only, and a ForceCommand that lets the
// key run nothing but `ccc-apply` — played by a program given as a parameter (the stand-in
// fake-ccc-apply.mjs, or the real script) writing under a root folder of the test's choosing.
// No test-framework imports: benchmarks may use it too.
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execaSync } from "execa";
import { generateHostKey } from "../src/core/machine/host-key.ts";
import { loginConfig, prepareLogin, type SshdLogin, sshdCommand, stopLogins } from "./sshd-login.ts";

export const SSHD = "/usr/sbin/sshd";

/** The stand-in for the machine's `ccc-apply`. */
export const FAKE_CCC_APPLY = join(dirname(fileURLToPath(import.meta.url)), "fake-ccc-apply.mjs");

/** Why the OpenSSH client tools cannot be used here, or null when they can. */
export const sshClientMissingReason: string | null = ["ssh", "ssh-keygen"].some(
  (tool) => execaSync(tool, ["-V"], { reject: false }).code === "ENOENT",
)
  ? "the OpenSSH client is not installed (apt-get install openssh-client; .ci/run does)"
  : null;

/** Why the real-SSH tests cannot run here, or null when they can. */
export const sshdMissingReason: string | null = !existsSync(SSHD)
  ? "OpenSSH's sshd is not installed (apt-get install openssh-server openssh-client; .ci/run does)"
  : process.getuid?.() !== 0
    ? "the real-SSH tests log in as root, so they must run as root (as .ci/run does)"
    : sshClientMissingReason;

/** What the forced command runs: the program behind `ccc-apply`, and the root it writes under. */
export interface ForcedCommand {
  /** A `.mjs`/`.js` file runs under this process's Node.js; anything else is executed as it is. */
  program: string;
  /** Given to the program as `--root`. */
  root: string;
  /** Extra environment for the program (the stand-in's test knobs; the real script ignores them). */
  env?: Record<string, string>;
}

export interface SshdOptions {
  /** Public keys that may log in as root: the operator's. */
  authorizedKeys: string[];
  forced: ForcedCommand;
  /** The host key to show (OpenSSH private key text and its public line); a fresh ed25519 one by default. */
  hostKey?: { privateKey: string; publicKey: string };
  /** A loopback address; a random 127.x.y.z by default. */
  host?: string;
  /** A free port by default. */
  port?: number;
  /** The machine's own accounts (claude, guest accounts), which log in with their keys as on a machine. */
  logins?: MachineLogins;
  /** Also lets a person log in to a shell as this account (the demo's `ssh claude@…`); root only by default. */
  login?: SshdLogin;
}

/**
 * Accounts that log in as on a machine, with a shell. sshd sees `passwd`, `group` and `shadow` from `etcDir`
 * in place of the host's (bind-mounted in a mount namespace of its own: the host's files are not touched),
 * and its log is also written to a file the forced command finds in $FAKE_SSHD_LOG (the journal stand-in).
 */
export interface MachineLogins {
  etcDir: string;
  /** The account names that may log in, besides root. */
  users: string[];
  /** Where sshd reads their keys; `%u` is the account name. */
  authorizedKeysFile: string;
}

/** One session that reached the forced command. */
export interface SshSession {
  pid: number;
  /** What the client asked to run; null when it asked for a shell. */
  command: string | null;
}

export interface FakeSshd {
  host: string;
  port: number;
  /** The public host key it shows (`ssh-ed25519 …`). */
  hostKey: string;
  /** Every session it served, in order. */
  sessions(): SshSession[];
  /** sshd's own log so far. */
  log(): string;
  /** Stops sshd and whatever its sessions still run, and removes its folder. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startSshd(options: SshdOptions): Promise<FakeSshd> {
  const dir = mkdtempSync(join(tmpdir(), "ccc-sshd-"));
  // sshd's privilege separation needs it; Debian creates it only when its own service starts.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const key = options.hostKey ?? generateHostKey("root@fake-machine");
  writeFileSync(join(dir, "host_key"), key.privateKey, { mode: 0o600 });
  writeFileSync(join(dir, "authorized_keys"), `${options.authorizedKeys.join("\n")}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "sessions"), "");
  const forced = options.logins
    ? { ...options.forced, env: { ...options.forced.env, FAKE_SSHD_LOG: join(dir, "sshd.log") } }
    : options.forced;
  writeFileSync(join(dir, "force-command"), forceCommandScript(dir, forced), { mode: 0o755 });
  if (options.login && options.logins)
    throw new Error("startSshd takes login (the demo's) or logins, not both");
  if (options.login) prepareLogin(dir, options.login);

  const host = options.host ?? randomLoopback();
  let attempt = 0;
  for (;;) {
    const port = options.port ?? (await freePort(host));
    writeFileSync(join(dir, "sshd_config"), sshdConfig(dir, host, port, options.logins, options.login));
    try {
      const running = await launch(dir, host, port, options.logins, options.login);
      const publicKey = key.publicKey.split(" ").slice(0, 2).join(" ");
      return fakeSshd(dir, host, port, publicKey, options.forced.root, running, options.login);
    } catch (error) {
      // Another process took the port between the probe and sshd's bind: try another one. A port the
      // test fixed (the harness's SSH port) may be held for a moment by another file's socket on the
      // same number: wait a little and try that one again.
      const taken = error instanceof StartError && /Address already in use/.test(error.log);
      if (!taken || ++attempt >= (options.port === undefined ? 3 : 6)) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      if (options.port !== undefined) await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

function fakeSshd(
  dir: string,
  host: string,
  port: number,
  hostKey: string,
  root: string,
  running: { child: ChildProcess; log: () => string },
  login?: SshdLogin,
): FakeSshd {
  const sessions = (): SshSession[] =>
    readFileSync(join(dir, "sessions"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [pid, given, hex] = line.split(" ");
        return {
          pid: Number(pid),
          command: given === "set" ? Buffer.from(hex ?? "", "hex").toString("utf8") : null,
        };
      });
  let stopped: Promise<void> | null = null;
  return {
    host,
    port,
    hostKey,
    sessions,
    log: running.log,
    stop: () => {
      stopped ??= (async () => {
        await stopProcess(running.child);
        // Sessions run in their own process groups and outlive the listener; none may outlive the test.
        for (const session of sessions()) stopSession(session.pid, root);
        if (login) stopLogins(dir, login);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

class StartError extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(`${message}\n${log}`);
  }
}

/** Starts sshd in the foreground and resolves once it says it listens (or rejects with its log). */
function launch(
  dir: string,
  host: string,
  port: number,
  logins?: MachineLogins,
  login?: SshdLogin,
): Promise<{ child: ChildProcess; log: () => string }> {
  const args = ["-D", "-e", "-f", join(dir, "sshd_config")];
  const [command, ...plain] = sshdCommand(SSHD, args, dir, login);
  // unshare and sh exec in place: the child's pid is sshd's.
  const child = logins
    ? spawn(
        "unshare",
        [
          "--mount",
          "--propagation",
          "private",
          "/bin/sh",
          "-c",
          'for f in passwd group shadow; do mount --bind "$1/$f" "/etc/$f" || exit 1; done; shift; exec "$@"',
          "sh",
          logins.etcDir,
          SSHD,
          ...args,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      )
    : spawn(command ?? SSHD, plain, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  if (logins) {
    writeFileSync(join(dir, "sshd.log"), "");
    child.stderr?.on("data", (chunk: string) => {
      try {
        appendFileSync(join(dir, "sshd.log"), chunk);
      } catch {
        // stopped: its folder is gone, and nobody reads the log any more
      }
    });
  }
  return new Promise((resolve, reject) => {
    const listening = `Server listening on ${host} port ${port}`;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new StartError(`sshd did not listen within ${START_TIMEOUT_MS} ms`, log));
    }, START_TIMEOUT_MS);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      log += chunk;
      if (log.includes(listening)) {
        clearTimeout(timer);
        resolve({ child, log: () => log });
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new StartError(`sshd could not start: ${error.message}`, log));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new StartError(`sshd exited (${signal ?? `code ${code}`}) before listening`, log));
    });
  });
}

/** Kills a session's program if that pid is still it (a pid may have been reused since). */
function stopSession(pid: number, root: string): void {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (cmdline.includes(`\0--root\0${root}\0`)) process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

function sshdConfig(
  dir: string,
  host: string,
  port: number,
  logins?: MachineLogins,
  login?: SshdLogin,
): string {
  const forceCommand = `ForceCommand ${shellQuote(join(dir, "force-command"))}`;
  return [
    `ListenAddress ${host}:${port}`,
    `HostKey "${join(dir, "host_key")}"`,
    "PidFile none",
    `AuthorizedKeysFile "${join(dir, "authorized_keys")}"`,
    `AllowUsers ${["root", ...(logins?.users ?? []), ...(login ? [login.user] : [])].join(" ")}`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // The files live in a temporary folder, under the world-writable /tmp.
    "StrictModes no",
    ...(logins ? [] : [forceCommand]),
    "DisableForwarding yes",
    "PermitTTY no",
    "UseDNS no",
    // sshd runs the forced command through root's login shell, and Debian's bash reads ~/.bashrc when
    // started by sshd at shell level 0 or 1: the test host's own shell setup (a version manager, say)
    // would run at every session, about half the session's time. The machine's shell is not on trial.
    "SetEnv SHLVL=1",
    "LoginGraceTime 15",
    "MaxStartups 50",
    "LogLevel VERBOSE",
    // Only root is held to ccc-apply; the machine's accounts get their shell, with their own keys.
    ...(logins
      ? [
          "Match User root",
          `  ${forceCommand}`,
          `Match User ${logins.users.join(",")}`,
          `  AuthorizedKeysFile "${logins.authorizedKeysFile}"`,
        ]
      : []),
    // Match blocks last: everything after one belongs to it.
    ...(login ? loginConfig(dir, login) : []),
    "",
  ].join("\n");
}

/**
 * Records the session (pid and the hex of $SSH_ORIGINAL_COMMAND, which may hold anything), then lets
 * exactly `ccc-apply` through, as the machine's sshd does for the operator key.
 */
function forceCommandScript(dir: string, forced: ForcedCommand): string {
  const runner = /\.(?:mjs|js)$/.test(forced.program) ? [process.execPath, forced.program] : [forced.program];
  const env = Object.entries(forced.env ?? {}).map(([k, v]) => shellQuote(`${k}=${v}`));
  const exec = ["exec", "env", ...env, ...runner.map(shellQuote), "--root", shellQuote(forced.root)];
  return [
    "#!/bin/sh",
    `given=\${SSH_ORIGINAL_COMMAND+set}`,
    `hex=$(printf '%s' "\${SSH_ORIGINAL_COMMAND-}" | od -An -v -tx1 | tr -d ' \\n')`,
    `printf '%s %s %s\\n' "$$" "\${given:-unset}" "$hex" >> ${shellQuote(join(dir, "sessions"))}`,
    // The idle check's read-only query is the one other command let through.
    `if [ "\${SSH_ORIGINAL_COMMAND-}" = "ccc-apply --activity" ]; then`,
    `  ${exec.join(" ")} --activity`,
    "fi",
    `if [ "\${SSH_ORIGINAL_COMMAND-}" != "ccc-apply" ]; then`,
    `  echo "this key may only run ccc-apply" >&2`,
    "  exit 127",
    "fi",
    exec.join(" "),
    "",
  ].join("\n");
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Away from 127.0.0.x, where the fake Hetzner puts its servers. */
function randomLoopback(): string {
  const byte = (from: number, to: number) => from + Math.floor(Math.random() * (to - from + 1));
  return `127.${byte(100, 199)}.${byte(0, 255)}.${byte(1, 254)}`;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}
