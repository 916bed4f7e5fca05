// A person's login on the real-sshd stand-in (sshd.ts): `ssh claude@<ip>` gets a shell, as on a ccc
// machine, with the keys the machine's own files list. The account exists only for that sshd: it runs in
// a mount namespace of its own (`unshare --mount`) where /etc/passwd, group and shadow are copies that name
// it, so nothing on this host changes (a `claude` the host may have is replaced in there, not touched).
// The shell runs as an unprivileged uid; with `hostname` it also gets a UTS namespace showing that name.
import { chmodSync, chownSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface SshdLogin {
  /** The account people log in as (`claude`). */
  user: string;
  /** An unprivileged uid (and gid) for it; `freeUid()` finds one this host does not use. */
  uid: number;
  /**
   * Its home folder, which must exist; made the account's own. The account must be able to pass through the
   * folders above it and above the sshd's temporary folder (o+x), and read the authorized keys files.
   */
  home: string;
  /** Files whose keys may log in as it: the machine's authorized_keys files (readable by the account). */
  authorizedKeysFiles: string[];
  /** Shown at each login when it exists: the machine's message of the day. */
  motdFile?: string;
  /** The host name the session sees (the machine's id). */
  hostname?: string;
}

/** A uid and gid from 61000 up that neither /etc/passwd nor /etc/group has. */
export function freeUid(): number {
  const taken = (file: string) =>
    new Set(
      readFileSync(file, "utf8")
        .split("\n")
        .map((line) => Number(line.split(":")[2])),
    );
  const [users, groups] = [taken("/etc/passwd"), taken("/etc/group")];
  let uid = 61000;
  while (users.has(uid) || groups.has(uid)) uid++;
  return uid;
}

/** Writes the namespace's passwd and group, and the login script; opens the folder for the account to run it. */
export function prepareLogin(dir: string, login: SshdLogin): void {
  const without = (file: string) =>
    readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith(`${login.user}:`));
  const passwd = [
    ...without("/etc/passwd"),
    `${login.user}:x:${login.uid}:${login.uid}:${login.user}:${login.home}:/bin/bash`,
  ];
  const group = [...without("/etc/group"), `${login.user}:x:${login.uid}:`];
  writeFileSync(join(dir, "passwd"), `${passwd.join("\n")}\n`, { mode: 0o644 });
  writeFileSync(join(dir, "group"), `${group.join("\n")}\n`, { mode: 0o644 });
  // No password, but not locked either (sshd refuses a locked account even for a key).
  const shadow = [...without("/etc/shadow"), `${login.user}:*:20000:0:99999:7:::`];
  writeFileSync(join(dir, "shadow"), `${shadow.join("\n")}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "logins"), "", { mode: 0o622 });
  chmodSync(join(dir, "logins"), 0o622);
  writeFileSync(join(dir, "login-command"), loginScript(dir, login), { mode: 0o755 });
  // The account runs the login script from here; the host key beside it stays 0600.
  chmodSync(dir, 0o711);
  chownSync(login.home, login.uid, login.uid);
}

/** sshd's settings for the account, a Match block (it must come last in sshd_config). */
export function loginConfig(dir: string, login: SshdLogin): string[] {
  return [
    `Match User ${login.user}`,
    `  AuthorizedKeysFile ${login.authorizedKeysFiles.map((f) => `"${f}"`).join(" ")}`,
    "  PermitTTY yes",
    `  ForceCommand ${shellQuote(join(dir, "login-command"))}`,
  ];
}

/** How sshd is started: as it is, or inside the namespace that knows the account. */
export function sshdCommand(sshd: string, args: string[], dir: string, login?: SshdLogin): string[] {
  if (!login) return [sshd, ...args];
  const name = login.hostname ? `hostname ${shellQuote(login.hostname)} && ` : "";
  const script = `mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && mount --bind "$3" /etc/shadow && ${name}shift 3 && exec "$@"`;
  return [
    "unshare",
    "--mount",
    "--propagation",
    "private",
    ...(login.hostname ? ["--uts"] : []),
    "sh",
    "-c",
    script,
    "sh",
    join(dir, "passwd"),
    join(dir, "group"),
    join(dir, "shadow"),
    sshd,
    ...args,
  ];
}

/** Ends the shells people still have open (a deleted machine takes its sessions with it). */
export function stopLogins(dir: string, login: SshdLogin): void {
  const file = join(dir, "logins");
  if (!existsSync(file)) return;
  for (const pid of readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number)) {
    try {
      // Only if that pid is still a process of the account (a pid may have been reused since).
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      if (!new RegExp(`^Uid:\\s+${login.uid}\\s`, "m").test(status)) continue;
      for (const target of [-pid, pid]) killQuietly(target);
    } catch {
      // already gone
    }
  }
}

/** Records the session, shows the message of the day, then runs what was asked or a login shell. */
function loginScript(dir: string, login: SshdLogin): string {
  const motd = login.motdFile ? shellQuote(login.motdFile) : "/dev/null";
  return [
    "#!/bin/sh",
    `echo $$ >> ${shellQuote(join(dir, "logins"))}`,
    'cd "$HOME" || exit 1',
    `if [ -z "\${SSH_ORIGINAL_COMMAND-}" ] && [ -f ${motd} ]; then cat ${motd}; fi`,
    `if [ -n "\${SSH_ORIGINAL_COMMAND-}" ]; then exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"; fi`,
    "exec /bin/bash -l",
    "",
  ].join("\n");
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
