// Bare git repositories for clone tests: made with the real git from files given, under a folder the
// claude user can read (file:// clones run as claude) and `git http-backend` can serve.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A git config that trusts repositories of any owner (git refuses other users' repositories otherwise). */
export const SAFE_EVERYWHERE = join(mkdtempSync(join(tmpdir(), "ccc-git-config-")), "gitconfig");
writeFileSync(SAFE_EVERYWHERE, "[safe]\n\tdirectory = *\n");

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
  // The repositories belong to the claude user (file:// clones run as claude); root works on them too.
  GIT_CONFIG_GLOBAL: SAFE_EVERYWHERE,
  GIT_CONFIG_NOSYSTEM: "1",
};

export function git(args: string[], cwd?: string): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" });
}

/** Makes `<gitRoot>/<path>.git` with `files` in one commit per entry of `commits` on branch main. */
export function makeBareRepo(gitRoot: string, path: string, ...commits: Record<string, string>[]): string {
  const bare = join(gitRoot, `${path}.git`);
  const work = mkdtempSync(join(dirname(gitRoot), "work-"));
  git(["init", "--quiet", "--initial-branch=main", work]);
  commits.forEach((files, i) => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(work, name)), { recursive: true });
      writeFileSync(join(work, name), text, { mode: name.endsWith(".sh") ? 0o755 : 0o644 });
    }
    git(["add", "--all"], work);
    git(["commit", "--quiet", "-m", `commit ${i + 1}`], work);
  });
  mkdirSync(dirname(bare), { recursive: true });
  git(["clone", "--quiet", "--bare", work, bare]);
  // Packed with a bitmap, as a hosted forge keeps its repositories (a fetch then reuses the pack instead of
  // compressing every loose object again).
  git(["repack", "-a", "-d", "-b", "-q"], bare);
  git(["config", "http.uploadpack", "true"], bare);
  // Shallow clones over file:// and http ask for these.
  git(["config", "uploadpack.allowFilter", "true"], bare);
  rmSync(work, { recursive: true, force: true });
  chmodTree(gitRoot);
  // Owned like the folder they are in (the tests give it to claude).
  execFileSync("chown", ["-R", String(statSync(gitRoot).uid), bare]);
  return bare;
}

/** Adds one commit to a bare repository. */
export function pushCommit(bare: string, files: Record<string, string>): void {
  const work = mkdtempSync(join(dirname(bare), "push-"));
  git(["clone", "--quiet", bare, work]);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(work, name), text);
  git(["add", "--all"], work);
  git(["commit", "--quiet", "-m", "more"], work);
  git(["push", "--quiet", "origin", "HEAD"], work);
  rmSync(work, { recursive: true, force: true });
  execFileSync("chown", ["-R", String(statSync(bare).uid), bare]);
}

function chmodTree(dir: string): void {
  execFileSync("chmod", ["-R", "a+rX", dir]);
  chmodSync(dir, 0o755);
}
