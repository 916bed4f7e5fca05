// The machine's `claude` user on the test host: tests that run tools as it (the real Claude Code binary,
// git through the credential helper) make it when it is missing. Tests run as root; without root they skip.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const USER_TOOLS = resolve(import.meta.dirname, "../../nix/packages/ccc-user");
export const CLAUDE_BIN = resolve(import.meta.dirname, "../../node_modules/.bin/claude");

/** Why tools cannot run as another user here, or null when they can. */
export const claudeUserMissingReason: string | null =
  process.getuid?.() !== 0 ? "running tools as the claude user needs root (as .ci/run does)" : null;

export interface ClaudeUser {
  uid: number;
  gid: number;
  /** A fresh home folder of its own, so no test reads another's ~/.claude.json. */
  home: string;
  /** Holds `ccc-claude-setup` and `git-credential-ccc` as the machine has them on PATH. */
  bin: string;
  /** Where this test's secrets file goes (`CCC_SECRETS_FILE`). */
  secretsFile: string;
  dir: string;
}

export function claudeUser(): ClaudeUser {
  try {
    execFileSync("id", ["-u", "claude"], { stdio: "ignore" });
  } catch {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/bin/sh", "claude"]);
  }
  const uid = Number(execFileSync("id", ["-u", "claude"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "claude"], { encoding: "utf8" }).trim());
  // Not under the tests' own temporary folder: that one is root's alone (0700), and claude must reach this.
  const dir = mkdtempSync(join(dirname(tmpdir()) === "/" ? tmpdir() : "/tmp", "ccc-claude-user-"));
  chmodSync(dir, 0o755);
  const home = join(dir, "home");
  const bin = join(dir, "bin");
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, uid, gid);
  mkdirSync(bin, { mode: 0o755 });
  const wrap = (name: string, script: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec ${process.execPath} ${join(USER_TOOLS, script)} "$@"\n`, {
      mode: 0o755,
    });
  };
  wrap("ccc-claude-setup", "ccc-claude-setup.mjs");
  wrap("git-credential-ccc", "git-credential-ccc.mjs");
  return { uid, gid, home, bin, secretsFile: join(dir, "secrets.env"), dir };
}

/** One `NAME='value'` line as ccc writes it (POSIX single quotes; a quote inside becomes '\''). */
export function secretLine(name: string, value: string): string {
  return `${name}='${value.replaceAll("'", `'\\''`)}'\n`;
}

/** Writes the secrets file as ccc does: root's, 0440, readable by the claude group only. */
export function writeSecrets(user: ClaudeUser, secrets: Record<string, string>): void {
  const text = Object.entries(secrets)
    .map(([name, value]) => secretLine(name, value))
    .join("");
  writeFileSync(user.secretsFile, text, { mode: 0o440 });
  chownSync(user.secretsFile, 0, user.gid);
  chmodSync(user.secretsFile, 0o440);
}

/** Processes whose working folder is inside `dir` (a claude stopped by its terminal may still be saving). */
function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or a kernel thread.
    }
  }
  return found;
}

/**
 * Removes the test's folder once nothing works in it any more: what still runs there is asked to stop,
 * then killed, and the folder goes only after (else a late write of claude's state makes the removal fail).
 */
export async function removeClaudeUser(user: ClaudeUser): Promise<void> {
  const deadline = Date.now() + 15_000;
  let signal: NodeJS.Signals = "SIGTERM";
  for (let left = processesIn(user.dir); left.length > 0; left = processesIn(user.dir)) {
    if (Date.now() > deadline) throw new Error(`processes ${left.join(", ")} still run in ${user.dir}`);
    for (const pid of left) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
    signal = "SIGKILL";
    await new Promise((r) => setTimeout(r, 200));
  }
  rmSync(user.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}
