// ccc-apply's workspace mode, the real script against a temporary root, run as root like on the machine:
// real runuser and git as the real `claude` user, the real credential helper reading the secrets file, a
// GitHub stand-in serving git over HTTP with a token check (git http-backend), and a stand-in `nix` for
// `nix develop` (records its argv; fails for a flake that says so).
import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { type FakeGithub, startFakeGithub } from "../../stand-ins/fake-github.ts";
import {
  type ClaudeUser,
  claudeUser,
  claudeUserMissingReason,
  removeClaudeUser,
  writeSecrets,
} from "../helpers/claude-user.ts";
import { git, makeBareRepo, pushCommit, SAFE_EVERYWHERE } from "../helpers/git-repos.ts";

const script = resolve(import.meta.dirname, "../../nix/packages/ccc-apply/ccc-apply.mjs");
const ID = "ccc-wk5pac";
const TOKEN = "ghp_CANARYtoken0123456789abcdefghijklmnop";

const FLAKE = `{ outputs = { self, nixpkgs }: { devShells.x86_64-linux.default = {}; }; }\n`;

interface World {
  u: ClaudeUser;
  root: string;
  home: string;
  gitRoot: string;
  nixLog: string;
  github: FakeGithub;
}
let world: World | undefined;
afterEach(async () => {
  await world?.github.close();
  if (world) await removeClaudeUser(world.u);
  world = undefined;
});

async function makeWorld(): Promise<World> {
  const u = claudeUser();
  const root = join(u.dir, "root");
  mkdirSync(join(root, "etc/cloud-instance"), { recursive: true });
  writeFileSync(join(root, "etc/cloud-instance/instance-id"), `${ID}\n`);
  const home = join(root, "home/claude");
  mkdirSync(join(root, "home"), { mode: 0o755 });
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, u.uid, u.gid);
  mkdirSync(join(root, "run/ccc"), { recursive: true });
  const gitRoot = join(u.dir, "git");
  mkdirSync(gitRoot, { mode: 0o755 });
  chownSync(gitRoot, u.uid, u.gid);
  const nixLog = join(u.dir, "nix.jsonl");
  writeFileSync(nixLog, "");
  chmodSync(nixLog, 0o666);
  writeFileSync(
    join(u.bin, "nix"),
    [
      `#!${process.execPath}`,
      `const fs = require("node:fs");`,
      `const argv = process.argv.slice(2);`,
      `fs.appendFileSync(${JSON.stringify(nixLog)}, JSON.stringify({ argv, user: require("node:os").userInfo().username }) + "\\n");`,
      `if (argv[0] !== "develop" || argv[2] !== "--command" || argv[3] !== "true") { console.error("nix stand-in: unexpected " + JSON.stringify(argv)); process.exit(98); }`,
      `if (fs.readFileSync(argv[1] + "/flake.nix", "utf8").includes("broken")) { console.error("error: builder for '/nix/store/abc-nix-shell.drv' failed with exit code 1"); process.exit(1); }`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const github = await startFakeGithub({ gitRoot, gitConfig: SAFE_EVERYWHERE });
  return { u, root, home, gitRoot, nixLog, github };
}

async function applyDoc(w: World, doc: Record<string, unknown>) {
  const child = execFile(process.execPath, [script, "--root", w.root], {
    env: { PATH: `${w.u.bin}:/usr/sbin:/usr/bin:/sbin:/bin` },
    encoding: "utf8",
    timeout: 60_000,
  });
  child.stdin?.end(JSON.stringify({ kind: "workspace", version: 1, instanceId: ID, ...doc }));
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c) => {
    stdout += c;
  });
  child.stderr?.on("data", (c) => {
    stderr += c;
  });
  const code = await new Promise<number>((done) => child.on("close", (c) => done(c ?? -1)));
  const lines = stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return {
    code,
    stderr,
    progress: lines.slice(0, -1).map((l) => l.progress as string),
    answer: lines.at(-1),
  };
}

describe.skipIf(claudeUserMissingReason)("ccc-apply --workspace", () => {
  test("clones from file:// as claude, shallow, enters nothing without a flake, sets git's identity", async () => {
    world = await makeWorld();
    const w = world;
    const bare = makeBareRepo(w.gitRoot, "acme/app", { "README.md": "one\n" }, { "src/a.txt": "two\n" });

    const out = await applyDoc(w, {
      repo: { url: `file://${bare}`, name: "app" },
      git: { name: "Ada Lovelace", email: "ada@example.com" },
    });

    expect(out.code, out.stderr).toBe(0);
    expect(out.answer.repo.error).toBeUndefined();
    expect(out.answer).toMatchObject({
      ok: true,
      repo: { ok: true, action: "cloned", shallow: true, path: "/home/claude/work/app" },
      devShell: { state: "none" },
    });
    expect(out.progress).toContain("Cloning into ~/work/app");
    const dir = join(w.home, "work/app");
    expect(readFileSync(join(dir, "src/a.txt"), "utf8")).toBe("two\n");
    expect(statSync(join(dir, "README.md")).uid).toBe(w.u.uid);
    expect(git(["-C", dir, "rev-parse", "--is-shallow-repository"]).trim()).toBe("true");
    const gitconfig = readFileSync(join(w.home, ".gitconfig"), "utf8");
    expect(gitconfig).toContain("name = Ada Lovelace");
    expect(gitconfig).toContain("email = ada@example.com");
  }, 60_000);

  test("--full-clone keeps all history; a second machine on the same volume fetches instead of cloning", async () => {
    world = await makeWorld();
    const w = world;
    const bare = makeBareRepo(w.gitRoot, "acme/app", { "a.txt": "1\n" }, { "a.txt": "2\n" });
    const first = await applyDoc(w, { repo: { url: `file://${bare}`, name: "app", full: true } });
    expect(first.answer.repo).toMatchObject({ ok: true, action: "cloned", shallow: false });
    expect(git(["-C", join(w.home, "work/app"), "rev-list", "--count", "HEAD"]).trim()).toBe("2");

    pushCommit(bare, { "b.txt": "3\n" });
    const again = await applyDoc(w, { repo: { url: `file://${bare}`, name: "app", full: true } });

    expect(again.answer.repo).toMatchObject({ ok: true, action: "fetched" });
    expect(again.progress).toContain("Fetching ~/work/app (kept on the work volume)");
    expect(git(["-C", join(w.home, "work/app"), "rev-list", "--count", "origin/main"]).trim()).toBe("3");
  }, 60_000);

  test("a private repository over HTTP: the credential helper gives git the token from the secrets file", async () => {
    world = await makeWorld();
    const w = world;
    makeBareRepo(w.gitRoot, "acme/secret-app", { "main.go": "package main\n" });
    w.github.addRepo("acme/secret-app", { private: true, tokens: [TOKEN] });
    writeSecrets({ ...w.u, secretsFile: join(w.root, "run/ccc/secrets.env") }, { GITHUB_TOKEN: TOKEN });

    const out = await applyDoc(w, {
      repo: { url: `${w.github.url}/acme/secret-app.git`, name: "secret-app", branch: "main" },
      credentialHosts: [{ url: w.github.url, forge: "github" }],
    });

    expect(out.answer.repo, out.stderr).toMatchObject({ ok: true, action: "cloned" });
    expect(readFileSync(join(w.home, "work/secret-app/main.go"), "utf8")).toBe("package main\n");
    // git asked without, was told to authenticate, and came back with the token as the password.
    expect(w.github.calls.some((c) => c.status === 401)).toBe(true);
    expect(w.github.calls.filter((c) => c.token === TOKEN).length).toBeGreaterThan(0);
    expect(w.github.problems).toEqual([]);
    // Never in a URL, .git/config, ~/.gitconfig or the answer.
    expect(readFileSync(join(w.home, "work/secret-app/.git/config"), "utf8")).not.toContain(TOKEN);
    expect(readFileSync(join(w.home, ".gitconfig"), "utf8")).not.toContain(TOKEN);
    expect(readFileSync(join(w.home, ".gitconfig"), "utf8")).toContain(`[credential "${w.github.url}"]`);
    expect(JSON.stringify(out)).not.toContain(TOKEN);
  }, 60_000);

  test("a private repository without a token is reported, and the machine is still handed over", async () => {
    world = await makeWorld();
    const w = world;
    makeBareRepo(w.gitRoot, "acme/secret-app", { "main.go": "package main\n" });
    w.github.addRepo("acme/secret-app", { private: true, tokens: [TOKEN] });

    const out = await applyDoc(w, {
      repo: { url: `${w.github.url}/acme/secret-app.git`, name: "secret-app" },
      credentialHosts: [{ url: w.github.url, forge: "github" }],
    });

    expect(out.code).toBe(0);
    expect(out.answer.ok).toBe(true);
    expect(out.answer.repo.ok).toBe(false);
    expect(out.answer.repo.error).toMatch(
      /Authentication failed|could not read Username|terminal prompts disabled/i,
    );
  }, 60_000);

  test("a flake with devShells is built with nix develop as claude; the login hook's marker names the folder", async () => {
    world = await makeWorld();
    const w = world;
    const bare = makeBareRepo(w.gitRoot, "acme/nixy", { "flake.nix": FLAKE });

    const out = await applyDoc(w, { repo: { url: `file://${bare}`, name: "nixy" } });

    const dir = join(w.home, "work/nixy");
    expect(out.answer.devShell).toEqual({ state: "ready" });
    expect(out.progress).toContain("Building the repository's devShell (nix develop)");
    const calls = readFileSync(w.nixLog, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(calls).toEqual([{ argv: ["develop", dir, "--command", "true"], user: "claude" }]);
    expect(readFileSync(join(w.home, ".config/ccc/devshell"), "utf8")).toBe(`${dir}\n`);
  }, 60_000);

  test("a failing devShell is named and the marker is not written", async () => {
    world = await makeWorld();
    const w = world;
    const bare = makeBareRepo(w.gitRoot, "acme/nixy", { "flake.nix": `# broken\n${FLAKE}` });

    const out = await applyDoc(w, { repo: { url: `file://${bare}`, name: "nixy" } });

    expect(out.answer.ok).toBe(true);
    expect(out.answer.devShell).toEqual({
      state: "failed",
      error: "builder for '/nix/store/abc-nix-shell.drv' failed with exit code 1",
    });
    expect(() => statSync(join(w.home, ".config/ccc/devshell"))).toThrow();
  }, 60_000);

  test("dotfiles: cloned into ~/.dotfiles and install.sh run as claude, its output kept; a failure is named", async () => {
    world = await makeWorld();
    const w = world;
    const repo = makeBareRepo(w.gitRoot, "acme/app", { "a.txt": "1\n" });
    const dots = makeBareRepo(w.gitRoot, "ada/dotfiles", {
      "install.sh": 'echo "installing as $(id -un) in $PWD"\nprintf "set -o vi\\n" > "$HOME/.inputrc"\n',
    });

    const out = await applyDoc(w, {
      repo: { url: `file://${repo}`, name: "app" },
      dotfiles: { url: `file://${dots}`, name: "dotfiles" },
    });

    expect(out.answer.dotfiles).toMatchObject({ ok: true, script: "install.sh" });
    expect(out.answer.dotfiles.log).toContain(`installing as claude in ${join(w.home, ".dotfiles")}`);
    expect(readFileSync(join(w.home, ".inputrc"), "utf8")).toBe("set -o vi\n");
    expect(statSync(join(w.home, ".inputrc")).uid).toBe(w.u.uid);
    expect(readFileSync(join(w.root, "var/lib/cloud-instance/dotfiles.log"), "utf8")).toContain(
      "installing as claude",
    );

    const broken = makeBareRepo(w.gitRoot, "bob/dotfiles", { "bootstrap.sh": "echo oops >&2\nexit 3\n" });
    rmSync(join(w.home, ".dotfiles"), { recursive: true, force: true });
    const failed = await applyDoc(w, { dotfiles: { url: `file://${broken}`, name: "dotfiles" } });
    expect(failed.answer.dotfiles).toMatchObject({
      ok: false,
      script: "bootstrap.sh",
      error: "bootstrap.sh exited with 3",
    });
    expect(failed.answer.dotfiles.log).toContain("oops");
  }, 60_000);

  test("a document with a credential in a URL or an unknown field is refused; nothing runs", async () => {
    world = await makeWorld();
    const w = world;
    const out = await applyDoc(w, {
      repo: { url: `https://x-access-token:${TOKEN}@github.com/a/b.git`, name: "b" },
    });
    expect(out.code).toBe(2);
    expect(out.answer.ok).toBe(false);
    expect(out.answer.error).toContain(
      "repo.url must be an https, http, git or file URL without credentials",
    );
    expect(JSON.stringify(out.answer)).not.toContain(TOKEN);
    const extra = await applyDoc(w, { shell: "rm -rf /" });
    expect(extra.code).toBe(2);
    expect(() => statSync(join(w.home, "work"))).toThrow();
  }, 60_000);
});
