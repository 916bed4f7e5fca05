// The claude user's login hook (nix/packages/ccc-user/ccc-login.sh), as an interactive SSH login runs it: the
// owner's secrets become environment variables (POSIX single quotes read back exactly), and the repository's
// devShell is entered once (a stand-in `nix` records `nix develop <dir>`), not again inside it or in tmux.
import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ClaudeUser,
  claudeUser,
  claudeUserMissingReason,
  removeClaudeUser,
  USER_TOOLS,
  writeSecrets,
} from "../helpers/claude-user.ts";

const run = promisify(execFile);
let user: ClaudeUser | undefined;
afterEach(async () => {
  if (user) await removeClaudeUser(user);
  user = undefined;
});

async function login(u: ClaudeUser, extra: string[] = [], after = "true") {
  const env = [
    `HOME=${u.home}`,
    "USER=claude",
    `PATH=${u.bin}:/usr/bin:/bin`,
    `CCC_SECRETS_FILE=${u.secretsFile}`,
  ];
  const script = `. ${join(USER_TOOLS, "ccc-login.sh")}; ${after}`;
  const out = await run(
    "runuser",
    ["-u", "claude", "--", "env", "-i", ...env, ...extra, "sh", "-i", "-c", script],
    {
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  return out.stdout;
}

function standInNix(u: ClaudeUser): string {
  const log = join(u.dir, "nix.log");
  writeFileSync(log, "");
  chmodSync(log, 0o666);
  writeFileSync(join(u.bin, "nix"), `#!/bin/sh\necho "$PWD|$*" >> ${log}\n`, { mode: 0o755 });
  return log;
}

describe.skipIf(claudeUserMissingReason)("the login hook", () => {
  it("puts the secrets in the environment, exactly as set", async () => {
    user = claudeUser();
    const value = `it's "quoted" $HOME \`x\` \\ and\nmultiline`;
    writeSecrets(user, { ANTHROPIC_API_KEY: "sk-ant-api03-x", ODD: value });
    const out = await login(user, [], `printf '%s|%s' "$ANTHROPIC_API_KEY" "$ODD"`);
    expect(out.endsWith(`sk-ant-api03-x|${value}`)).toBe(true);
  });

  it("enters the repository's devShell once on an interactive SSH login; not inside it, not in tmux", async () => {
    user = claudeUser();
    const log = standInNix(user);
    const repo = join(user.home, "work/app");
    mkdirSync(repo, { recursive: true });
    mkdirSync(join(user.home, ".config/ccc"), { recursive: true });
    writeFileSync(join(user.home, ".config/ccc/devshell"), `${repo}\n`);
    chownToClaude(user);

    const out = await login(user, ["SSH_TTY=/dev/pts/9"]);
    expect(out).toContain(`Entering the devShell of ${repo}`);
    expect(readFileSync(log, "utf8")).toBe(`${repo}|develop ${repo}\n`);

    await login(user, ["SSH_TTY=/dev/pts/9", "IN_NIX_SHELL=impure"]);
    await login(user, ["SSH_TTY=/dev/pts/9", "TMUX=/tmp/tmux-1/default,1,0"]);
    await login(user, []);
    expect(readFileSync(log, "utf8").trim().split("\n")).toHaveLength(1);
  });
});

function chownToClaude(u: ClaudeUser): void {
  for (const dir of ["work", "work/app", ".config", ".config/ccc", ".config/ccc/devshell"]) {
    chownSync(join(u.home, dir), u.uid, u.gid);
  }
}
