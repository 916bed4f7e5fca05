// A world for the bot side of tasks (task-flow): the pool world (fake Hetzner, a pool machine served by a
// real sshd running the real ccc-apply, which clones as the real claude user), the GitHub stand-in with
// bare repositories, secrets on, and the owner "opal" (the CLI's operator) with a Claude API key and a
// GitHub token among their secrets.
import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ComposeOptions } from "../../src/compose.ts";
import { refillPool } from "../../src/core/pool/refill.ts";
import type { TaskChannel } from "../../src/core/ports/task-machine.ts";
import { SecretValue, setSecret } from "../../src/core/secrets/secrets.ts";
import type { FakeAnthropic } from "../../stand-ins/fake-anthropic.ts";
import { type FakeGithub, startFakeGithub } from "../../stand-ins/fake-github.ts";
import { type FakeGitlab, startFakeGitlab } from "../../stand-ins/fake-gitlab.ts";
import { CLAUDE_BIN, type ClaudeUser, claudeUser, removeClaudeUser } from "../helpers/claude-user.ts";
import { makeBareRepo, SAFE_EVERYWHERE } from "../helpers/git-repos.ts";
import { type PoolWorld, startPoolWorld } from "../pool/pool-world.ts";

export const OWNER = { id: "opal", isAdmin: true };
export const API_KEY = "sk-ant-api03-CANARYtaskkey0123456789abcdefghij";
export const OAUTH_TOKEN = "sk-ant-oat01-CANARYoauthtoken0123456789abcdef";
export const GH_TOKEN = "ghp_CANARYtask0123456789abcdefghijklmnop";
export const GL_TOKEN = "glpat-CANARYtask0123456789abcdef";

export interface TaskWorld {
  u: ClaudeUser;
  gh: FakeGithub;
  /** The GitLab stand-in (`gitlab: true`), serving the same bare repositories as GitLab projects. */
  gl?: FakeGitlab;
  w: PoolWorld;
  gitRoot: string;
  bare(name: string): string;
  /** Fills the pool and boots its machine, with the claude user's home as NixOS makes it. */
  warmMachine(): Promise<{ id: string; ip: string; root: string }>;
  setSecret(name: string, value: string, owner?: string): void;
  compose: ComposeOptions;
  close(): Promise<void>;
}

export async function startTaskWorld(
  options: {
    channel?: (world: { bare(name: string): string }) => TaskChannel;
    env?: Record<string, string>;
    secrets?: Record<string, string>;
    /** The machines run tasks for real: the systemd stand-ins and the real claude on ccc-apply's PATH. */
    machineEnv?: (u: ClaudeUser) => Record<string, string>;
    /** Also a GitLab stand-in (CCC_GITLAB_URL) with acme/app public and acme/private private for GL_TOKEN. */
    gitlab?: boolean;
    /** Another ccc-apply on the machines (an older one, say). */
    program?: string;
  } = {},
): Promise<TaskWorld> {
  const u = claudeUser();
  const gitRoot = join(u.dir, "git");
  mkdirSync(gitRoot, { mode: 0o755 });
  chownSync(gitRoot, u.uid, u.gid);
  makeBareRepo(gitRoot, "acme/app", { "README.md": "hello\n", "src/login.ts": "export const wait = 1;\n" });
  makeBareRepo(gitRoot, "acme/private", { "secret.txt": "ours\n" });
  const bare = (name: string) => join(gitRoot, "acme", `${name}.git`);
  const gh = await startFakeGithub({ gitRoot, gitConfig: SAFE_EVERYWHERE });
  gh.addRepo("acme/app", { private: false, tokens: [GH_TOKEN] });
  gh.addRepo("acme/private", { private: true, tokens: [GH_TOKEN] });
  let gl: FakeGitlab | undefined;
  if (options.gitlab) {
    gl = await startFakeGitlab({ gitRoot, gitConfig: SAFE_EVERYWHERE });
    gl.addProject("acme/app", { private: false, tokens: [GL_TOKEN] });
    gl.addProject("acme/private", { private: true, tokens: [GL_TOKEN] });
  }
  const taskChannel = options.channel?.({ bare });
  const compose: ComposeOptions = taskChannel ? { taskChannel } : {};
  const w = await startPoolWorld(
    {
      CCC_POOL: "cx23@fsn1=1",
      CCC_GITHUB_URL: gh.url,
      CCC_GITHUB_API_URL: gh.url,
      CCC_SECRETS_KEY: randomBytes(32).toString("base64"),
      ...(gl ? { CCC_GITLAB_URL: gl.url, CCC_GITLAB_API_URL: gl.apiUrl } : {}),
      ...options.env,
    },
    compose,
    {
      kind: "ccc-apply",
      rootDir: join(u.dir, "machines"),
      env: options.machineEnv?.(u) ?? { PATH: `${u.bin}:/usr/sbin:/usr/bin:/sbin:/bin` },
      ...(options.program ? { program: options.program } : {}),
    },
  );
  const put = (name: string, value: string, owner = OWNER.id) =>
    void setSecret(w.deps, OWNER, { owner, name, value: new SecretValue(value) });
  for (const [name, value] of Object.entries(
    options.secrets ?? { ANTHROPIC_API_KEY: API_KEY, GITHUB_TOKEN: GH_TOKEN },
  )) {
    put(name, value);
  }
  return {
    u,
    gh,
    ...(gl ? { gl } : {}),
    w,
    gitRoot,
    bare,
    compose,
    setSecret: put,
    warmMachine: async () => {
      await refillPool(w.deps);
      await w.bootMachines();
      const member = w.deps.store.pool.list().find((m) => m.state === "ready");
      if (!member?.ipv4) throw new Error("no ready pool machine");
      const root = w.machineRoot(member.ipv4);
      mkdirSync(join(root, "home"), { mode: 0o755, recursive: true });
      mkdirSync(join(root, "home/claude"), { mode: 0o700, recursive: true });
      chownSync(join(root, "home/claude"), u.uid, u.gid);
      mkdirSync(join(root, "run/ccc"), { recursive: true });
      // The secrets file's group is the claude user's here (on NixOS claude is in ccc-secrets; a unit the
      // systemd stand-in starts has the user's primary group only).
      writeFileSync(join(root, "etc/group"), `root:x:0:\nccc-secrets:x:${u.gid}:claude\n`);
      return { id: member.id, ip: member.ipv4, root };
    },
    close: async () => {
      await w.close();
      await gh.close();
      await gl?.close();
      await removeClaudeUser(u);
    },
  };
}

const STAND_IN_BIN = resolve(import.meta.dirname, "../../stand-ins/bin");

/** `machineEnv` for machines that run tasks for real: the systemd stand-ins (units under the machine's
 * `units` folder) and the real Claude Code binary on ccc-apply's PATH. */
export function realTaskMachines(u: ClaudeUser): Record<string, string> {
  const bin = join(u.dir, "task-bin");
  mkdirSync(bin, { recursive: true });
  for (const tool of ["systemd-run", "systemctl"]) symlinkSync(join(STAND_IN_BIN, tool), join(bin, tool));
  mkdirSync(join(u.dir, "units"), { recursive: true });
  return {
    PATH: `${bin}:${u.bin}:${dirname(CLAUDE_BIN)}:/usr/sbin:/usr/bin:/sbin:/bin`,
    FAKE_SYSTEMD_DIR: join(u.dir, "units"),
    FAKE_TOOLS_LOG: join(u.dir, "tools.jsonl"),
  };
}

/** Points a person's Claude Code at the Anthropic stand-in the way a person would: through their secrets,
 * which reach the task's environment. */
export function useAnthropic(t: TaskWorld, api: FakeAnthropic, owner = OWNER.id): void {
  for (const [name, value] of Object.entries({
    ANTHROPIC_BASE_URL: api.url,
    CLAUDE_CODE_MAX_RETRIES: "0",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  })) {
    t.setSecret(name, value, owner);
  }
}
