// One machine for task tests: the real sshd stand-in forcing the real `ccc-apply` against a temporary root,
// the real `claude` user (tasks run as it), a repository cloned into ~/work/app by ccc-apply's own workspace
// mode from the GitHub stand-in (git over HTTP, token checked, pushes accepted for the token), the Anthropic
// stand-in named by the owner's secrets file, and the systemd stand-ins (stand-ins/bin/systemd-run and
// systemctl) on ccc-apply's PATH: the unit really runs, detached, as claude.
import { execFile, execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SshMachineChannel } from "../../src/adapters/ssh-machine-channel.ts";
import type { MachineTarget } from "../../src/core/ports/machine.ts";
import type { TaskReadResult, TaskStartDocument } from "../../src/core/ports/task-machine.ts";
import { type FakeAnthropic, type FakeTurn, startFakeAnthropic } from "../../stand-ins/fake-anthropic.ts";
import { type FakeGithub, startFakeGithub } from "../../stand-ins/fake-github.ts";
import { type FakeSshd, startSshd } from "../../stand-ins/sshd.ts";
import {
  CLAUDE_BIN,
  type ClaudeUser,
  claudeUser,
  removeClaudeUser,
  secretLine,
} from "../helpers/claude-user.ts";
import { makeBareRepo, SAFE_EVERYWHERE } from "../helpers/git-repos.ts";
import { writeOperatorKey } from "../helpers/keys.ts";

export const APPLY = resolve(import.meta.dirname, "../../nix/packages/ccc-apply/ccc-apply.mjs");
const STAND_IN_BIN = resolve(import.meta.dirname, "../../stand-ins/bin");
export const ID = "ccc-tk5mch";
export const KEY = "sk-ant-api03-CANARY-task-key-0123456789abcdefghij";
export const TOKEN = "ghp_CANARYtasktoken0123456789abcdefghijkl";
export const SYSTEM_PROMPT =
  "You are working on a task for ccc. Commit your work on the current branch, do not push anywhere, and end by saying what you changed.";

export interface TaskWorld {
  u: ClaudeUser;
  root: string;
  /** ~/work/app on the machine. */
  repo: string;
  bare: string;
  api: FakeAnthropic;
  github: FakeGithub;
  sshd: FakeSshd;
  channel: SshMachineChannel;
  target: MachineTarget;
  operatorKey: string;
  toolsLog: string;
  unitsDir: string;
  /** A channel as a restarted ccc would make it: a new instance, the same key and pins. */
  newChannel(): SshMachineChannel;
  taskDir(taskId: string): string;
  /** Runs the machine's command directly (no SSH) with any document: its exit code and answer line. */
  applyRaw(doc: Record<string, unknown>): Promise<{ code: number; answer: unknown }>;
  /** `ccc-apply --activity` on the machine (the idle check's query): the running task units it names. */
  runningTasks(): string[];
  close(): Promise<void>;
}

/** `gitIdentity: false`: the workspace sets no git identity (a person with no git prefs and no email ccc knows). */
export async function makeTaskWorld(options: { gitIdentity?: boolean } = {}): Promise<TaskWorld> {
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
  const github = await startFakeGithub({ gitRoot, gitConfig: SAFE_EVERYWHERE });
  github.addRepo("acme/app", { private: true, tokens: [TOKEN] });
  const bare = makeBareRepo(gitRoot, "acme/app", { "README.md": "# app\n" });
  const api = await startFakeAnthropic({ keys: [KEY] });
  const secrets = {
    ANTHROPIC_API_KEY: KEY,
    ANTHROPIC_BASE_URL: api.url,
    GITHUB_TOKEN: TOKEN,
    CLAUDE_CODE_MAX_RETRIES: "0",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  };
  const secretsFile = join(root, "run/ccc/secrets.env");
  writeFileSync(
    secretsFile,
    Object.entries(secrets)
      .map(([n, v]) => secretLine(n, v))
      .join(""),
    { mode: 0o440 },
  );
  chownSync(secretsFile, 0, u.gid);

  // Only the two systemd stand-ins: the real runuser runs git as claude for the push.
  const bin = join(u.dir, "task-bin");
  mkdirSync(bin);
  for (const tool of ["systemd-run", "systemctl"]) symlinkSync(join(STAND_IN_BIN, tool), join(bin, tool));
  const toolsLog = join(u.dir, "tools.jsonl");
  writeFileSync(toolsLog, "");
  const unitsDir = join(u.dir, "units");
  mkdirSync(unitsDir);
  const path = `${bin}:${u.bin}:${dirname(CLAUDE_BIN)}:/usr/sbin:/usr/bin:/sbin:/bin`;

  await cloneWorkspace(root, u, github.url, options.gitIdentity ?? true);
  const operatorKey = writeOperatorKey(u.dir);
  chmodSync(operatorKey, 0o600);
  const sshd = await startSshd({
    authorizedKeys: [readFileSync(`${operatorKey}.pub`, "utf8").trim()],
    forced: {
      program: APPLY,
      root,
      env: { PATH: path, FAKE_TOOLS_LOG: toolsLog, FAKE_SYSTEMD_DIR: unitsDir },
    },
  });
  let channels = 0;
  const newChannel = () =>
    new SshMachineChannel({
      identityFile: operatorKey,
      instancesDir: join(u.dir, `instances-${++channels}`),
      connectTimeoutMs: 5_000,
      totalTimeoutMs: 30_000,
    });
  const world: TaskWorld = {
    u,
    root,
    repo: join(home, "work/app"),
    bare,
    api,
    github,
    sshd,
    channel: newChannel(),
    target: { instanceId: ID, host: sshd.host, port: sshd.port, hostKey: sshd.hostKey },
    operatorKey,
    toolsLog,
    unitsDir,
    newChannel,
    taskDir: (taskId) => join(root, "var/lib/ccc/tasks", taskId),
    runningTasks: () => {
      const out = execFileSync(process.execPath, [APPLY, "--root", root, "--activity"], {
        env: { PATH: path, FAKE_TOOLS_LOG: toolsLog, FAKE_SYSTEMD_DIR: unitsDir },
        encoding: "utf8",
      });
      return (JSON.parse(out) as { activity: { tasks: string[] } }).activity.tasks;
    },
    applyRaw: async (doc) => {
      const out = await applyDoc(root, doc, {
        PATH: path,
        FAKE_TOOLS_LOG: toolsLog,
        FAKE_SYSTEMD_DIR: unitsDir,
      });
      return { code: out.code, answer: JSON.parse(out.stdout.trim().split("\n").at(-1) ?? "null") };
    },
    close: async () => {
      stopUnits(unitsDir);
      await sshd.stop();
      await api.close();
      await github.close();
      await removeClaudeUser(u);
    },
  };
  return world;
}

/** The workspace document ccc sends after a claim: clone acme/app as claude, git identity, credential helper. */
async function cloneWorkspace(
  root: string,
  u: ClaudeUser,
  githubUrl: string,
  gitIdentity: boolean,
): Promise<void> {
  const doc = {
    kind: "workspace",
    version: 1,
    instanceId: ID,
    repo: { url: `${githubUrl}/acme/app.git`, name: "app" },
    ...(gitIdentity ? { git: { name: "Ada Lovelace", email: "ada@example.com" } } : {}),
    credentialHosts: [{ url: githubUrl, forge: "github" }],
  };
  const out = await applyDoc(root, doc, { PATH: `${u.bin}:/usr/sbin:/usr/bin:/sbin:/bin` });
  const answer = JSON.parse(out.stdout.trim().split("\n").at(-1) ?? "{}");
  if (out.code !== 0 || !answer.repo?.ok) throw new Error(`the clone failed: ${out.stdout} ${out.stderr}`);
}

function applyDoc(
  root: string,
  doc: Record<string, unknown>,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [APPLY, "--root", root],
      { env, encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(JSON.stringify(doc));
  });
}

/** Stops whatever units a test left running (their supervisors stop their sessions), as a reboot would. */
function stopUnits(unitsDir: string): void {
  if (!existsSync(unitsDir)) return;
  for (const name of readdirSync(unitsDir)) {
    try {
      const state = JSON.parse(readFileSync(join(unitsDir, name), "utf8"));
      if (state.mainPid) process.kill(-state.mainPid, "SIGKILL");
      if (state.supervisor) process.kill(state.supervisor, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

export function startDoc(
  taskId: string,
  prompt: string,
  extra: Partial<TaskStartDocument> = {},
): TaskStartDocument {
  return {
    kind: "task-start",
    version: 1,
    instanceId: ID,
    taskId,
    repoName: "app",
    branch: `ccc/${taskId}`,
    prompt,
    maxTurns: 10,
    maxMinutes: 10,
    resumeSessionId: null,
    appendSystemPrompt: SYSTEM_PROMPT,
    ...extra,
  };
}

export function script(w: TaskWorld, ...turns: FakeTurn[]): void {
  w.api.script(...turns);
}

/** Reads until the task exited (or the time is up), in several reads: every answer, and all lines in order. */
export async function readToEnd(
  channel: SshMachineChannel,
  target: MachineTarget,
  taskId: string,
  from = 0,
  timeoutMs = 90_000,
): Promise<{ reads: Extract<TaskReadResult, { kind: "ok" }>[]; lines: string[]; next: number }> {
  const reads: Extract<TaskReadResult, { kind: "ok" }>[] = [];
  const lines: string[] = [];
  let next = from;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const read = await channel.read(target, taskId, next);
    if (read.kind !== "ok") throw new Error(`read failed: ${JSON.stringify(read)}`);
    reads.push(read);
    lines.push(...read.lines);
    next = read.next;
    if (read.state !== "running" && read.lines.length === 0) return { reads, lines, next };
    if (Date.now() > deadline) throw new Error(`task ${taskId} still running after ${timeoutMs} ms`);
    if (read.lines.length === 0) await new Promise((r) => setTimeout(r, 300));
  }
}

/** Waits for a condition (state, not wall-clock sleeps), polling every 20 ms. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
