// ccc-apply's task mode: Claude Code run headless on a task, in a transient systemd unit that outlives the
// SSH connection and a restart of ccc. Four documents on standard input (the same pinned channel and command):
//   task-start  {kind, version: 1, instanceId, taskId, repoName, branch, prompt, maxTurns, maxMinutes,
//                resumeSessionId, appendSystemPrompt, git?: {name, email}}: sets git's identity in the
//                repository (when given), writes the task's folder and starts
//                `ccc-task-<taskId>.service` as the claude user, running ccc-task-run.mjs (beside this file);
//                With `workspace` (a whole workspace document, workspace.mjs), the repository is prepared
//                first in the same session (one SSH round trip instead of two; progress lines as the
//                workspace mode sends them; a fresh clone gets the task's `git` identity as it is made), then
//                a "Starting Claude Code" progress line (a session ccc closed fails that write: nothing is
//                started), and the answer carries its answer as `workspace`; a clone that failed starts
//                nothing (exit 1, the workspace answer beside the error), as a start that failed after it;
//   task-read   {kind, version: 1, instanceId, taskId, fromLine, waitMs?}: Claude Code's stream-json lines
//                from line `fromLine` (0 = the first) on, and the unit's state; reads only. With `waitMs`
//                (at most 30 000) and nothing new yet, it waits that long at most for a line or the end;
//   task-cancel {kind, version: 1, instanceId, taskId}: `systemctl stop` (SIGTERM, SIGKILL after 10 s);
//   task-push   {kind, version: 1, instanceId, taskId, repoName, branch}: `git push origin <branch>` as claude,
//                through git's credential helper (no token in a URL), and this run's commits (after `start`).
// The task's folder, /var/lib/ccc/tasks/<taskId>/ (the claude user's, 0700): task.json (the document),
// prompt (0600), events.jsonl (one stream-json line per line), base (the branch the work started from),
// start (the task branch's commit when the run began), exit.json (written by the runner as it ends). Documents are checked strictly: exit 2 = refused, nothing done.
import { spawn } from "node:child_process";
import { chown, mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const TASK_KINDS = ["task-start", "task-read", "task-cancel", "task-push"];
export const TASKS_DIR = "var/lib/ccc/tasks";
const RUNNER = join(dirname(fileURLToPath(import.meta.url)), "ccc-task-run.mjs");

const ID_PATTERN = /^ccc-[a-z0-9]{6}$/;
const TASK_ID = /^tsk-[a-z2-9]{8}$/;
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
const BRANCH_PATTERN = /^[A-Za-z0-9._/+-]{1,200}$/;
// Claude Code's session ids are UUIDs.
const SESSION_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_PROMPT = 32 * 1024;
const MAX_SYSTEM_PROMPT = 8 * 1024;
const MAX_TURNS = 500;
const MAX_MINUTES = 24 * 60;
/** A read answers at most this much (at least one line), so one answer stays well inside ccc's limit. */
const MAX_READ_BYTES = 1024 * 1024;

const FIELDS = {
  "task-start": [
    "kind",
    "version",
    "instanceId",
    "taskId",
    "repoName",
    "branch",
    "prompt",
    "maxTurns",
    "maxMinutes",
    "resumeSessionId",
    "appendSystemPrompt",
  ],
  "task-read": ["kind", "version", "instanceId", "taskId", "fromLine"],
  "task-cancel": ["kind", "version", "instanceId", "taskId"],
  "task-push": ["kind", "version", "instanceId", "taskId", "repoName", "branch"],
};
/** Fields a document may leave out (a ccc older than them does not send them). */
const OPTIONAL = { "task-start": ["git", "workspace"], "task-read": ["waitMs"] };
/** The longest a read waits for news; ccc's own timeout for a read is longer. */
const MAX_WAIT_MS = 30_000;
/** How often a waiting read looks at the log. */
const WAIT_LOOK_MS = 25;
const GIT_NAME = /^[^\p{Cc}<>]{1,100}$/u;
const GIT_EMAIL = /^[^\s@<>\p{Cc}]{1,64}@[^\s@<>\p{Cc}]{1,190}$/u;

export class TaskRefused extends Error {}

const wholeIn = (v, min, max) => Number.isInteger(v) && v >= min && v <= max;
const plainBranch = (b) =>
  typeof b === "string" && BRANCH_PATTERN.test(b) && !b.includes("..") && !/^[-/]|[/.]$|\.lock$/.test(b);

/** Every problem with a task document, in words that never repeat a value sent. */
export function taskProblems(doc) {
  const fields = FIELDS[doc.kind];
  if (doc.version !== 1) return [`${doc.kind} documents are version 1`];
  const problems = [];
  const optional = OPTIONAL[doc.kind] ?? [];
  const unknown = Object.keys(doc).filter((k) => !fields.includes(k) && !optional.includes(k));
  if (unknown.length > 0) problems.push(`unknown ${doc.kind} fields: ${unknown.length}`);
  for (const name of fields) if (!(name in doc)) problems.push(`${name} is missing`);
  if ("instanceId" in doc && !(typeof doc.instanceId === "string" && ID_PATTERN.test(doc.instanceId)))
    problems.push("instanceId must look like ccc-k7x2mq");
  if ("taskId" in doc && !(typeof doc.taskId === "string" && TASK_ID.test(doc.taskId)))
    problems.push("taskId must look like tsk-k7x2mq4b (tsk- and eight of a-z, 2-9)");
  if (
    "repoName" in doc &&
    !(typeof doc.repoName === "string" && NAME_PATTERN.test(doc.repoName) && !/^\.\.?$/.test(doc.repoName))
  )
    problems.push("repoName must be letters, digits, . _ or -");
  if ("branch" in doc && !plainBranch(doc.branch)) problems.push("branch must be a plain branch name");
  if ("prompt" in doc) {
    const p = doc.prompt;
    if (
      !(typeof p === "string" && p.trim() !== "" && Buffer.byteLength(p) <= MAX_PROMPT && !p.includes("\0"))
    )
      problems.push(`prompt must be text of 1 byte to ${MAX_PROMPT / 1024} KB, without NUL`);
  }
  if ("appendSystemPrompt" in doc) {
    const p = doc.appendSystemPrompt;
    if (!(typeof p === "string" && Buffer.byteLength(p) <= MAX_SYSTEM_PROMPT && !p.includes("\0")))
      problems.push(`appendSystemPrompt must be text of at most ${MAX_SYSTEM_PROMPT / 1024} KB, without NUL`);
  }
  if ("maxTurns" in doc && !wholeIn(doc.maxTurns, 1, MAX_TURNS))
    problems.push(`maxTurns must be a whole number from 1 to ${MAX_TURNS}`);
  if ("maxMinutes" in doc && !wholeIn(doc.maxMinutes, 1, MAX_MINUTES))
    problems.push(`maxMinutes must be a whole number from 1 to ${MAX_MINUTES}`);
  if (
    "resumeSessionId" in doc &&
    doc.resumeSessionId !== null &&
    !(typeof doc.resumeSessionId === "string" && SESSION_PATTERN.test(doc.resumeSessionId))
  )
    problems.push("resumeSessionId must be null or a Claude Code session id (a UUID)");
  if ("git" in doc) {
    const g = doc.git;
    const ok =
      typeof g === "object" &&
      g !== null &&
      Object.keys(g).every((k) => k === "name" || k === "email") &&
      typeof g.name === "string" &&
      GIT_NAME.test(g.name) &&
      typeof g.email === "string" &&
      GIT_EMAIL.test(g.email);
    if (!ok)
      problems.push("git must be {name, email}: a name of 1 to 100 characters without <>, and an email");
  }
  if ("waitMs" in doc && !wholeIn(doc.waitMs, 0, MAX_WAIT_MS))
    problems.push(`waitMs must be a whole number from 0 to ${MAX_WAIT_MS}`);
  if ("workspace" in doc) {
    const w = doc.workspace;
    if (typeof w !== "object" || w === null || Array.isArray(w) || w.kind !== "workspace")
      problems.push("workspace must be a workspace document");
    else if (w.instanceId !== doc.instanceId) problems.push("workspace is for another machine");
  }
  if ("fromLine" in doc && !wholeIn(doc.fromLine, 0, 10_000_000))
    problems.push("fromLine must be a whole number from 0");
  return problems;
}

/**
 * Runs one task document; the answer is the one JSON line ccc reads (`emit`: a progress line before it).
 * `stillWanted` (a start that prepares the workspace): asked once the repository is ready; false starts nothing.
 */
export async function runTask(root, doc, emit = () => {}, stillWanted = async () => true) {
  const problems = taskProblems(doc);
  if (problems.length > 0) throw new TaskRefused(problems.join("; "));
  const id = (await readFile(join(root, "etc/cloud-instance/instance-id"), "utf8")).trim();
  if (doc.instanceId !== id)
    throw new TaskRefused(`this machine is ${id}; the document is for another machine`);
  const dir = join(root, TASKS_DIR, doc.taskId);
  if (doc.kind === "task-start")
    return doc.workspace ? prepareThenStart(root, dir, doc, emit, stillWanted) : start(root, dir, doc);
  if (!(await exists(dir))) throw new TaskRefused(`there is no task ${doc.taskId} on this machine`);
  if (doc.kind === "task-read") return read(dir, doc);
  if (doc.kind === "task-cancel") return cancel(doc);
  return push(root, dir, doc);
}

const unitOf = (taskId) => `ccc-task-${taskId}.service`;

/** The workspace document first (its checks, its progress), then the start: one session for both. */
async function prepareThenStart(root, dir, doc, emit, stillWanted) {
  const { prepareWorkspace, workspaceProblems } = await import("./workspace.mjs");
  const problems = workspaceProblems(doc.workspace);
  if (problems.length > 0) throw new TaskRefused(`workspace: ${problems.join("; ")}`);
  const { workspace, ...task } = doc;
  // A fresh clone gets the task's git identity as it is made (two git processes fewer before the start).
  const identity = task.git
    ? [
        ["user.name", task.git.name],
        ["user.email", task.git.email],
      ]
    : [];
  const prepared = await prepareWorkspace(root, workspace, emit, identity);
  if (prepared.repo && !prepared.repo.ok) {
    return { ok: false, error: "the repository could not be prepared", workspace: prepared };
  }
  if (!(await stillWanted()))
    return { ok: false, error: "ccc closed the session, so nothing was started", workspace: prepared };
  try {
    const cloned = prepared.repo?.action === "cloned" && workspace.repo?.name === task.repoName;
    return { ...(await start(root, dir, task, { identitySet: cloned })), workspace: prepared };
  } catch (error) {
    // The repository is ready; the start's own trouble is what to say (with the workspace's answer).
    return { ok: false, error: error instanceof Error ? error.message : String(error), workspace: prepared };
  }
}

async function start(root, dir, doc, { identitySet = false } = {}) {
  const { uid, gid } = await claudeIds(root);
  const repo = join(root, "home/claude/work", doc.repoName);
  if (!(await exists(join(repo, ".git"))))
    throw new TaskRefused(`~/work/${doc.repoName} is not a git repository on this machine`);
  const unit = unitOf(doc.taskId);
  // A task never started here has no folder, so no unit of its name can be running.
  if ((await exists(dir)) && (await isActive(unit)))
    throw new TaskRefused(`task ${doc.taskId} is already running here`);
  await mkdir(join(root, TASKS_DIR), { recursive: true, mode: 0o755 });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chown(dir, uid, gid);
  // A start of the same task again (a reply in the thread) continues its event log; the old ending goes.
  await rm(join(dir, "exit.json"), { force: true });
  await writeOwned(join(dir, "prompt"), doc.prompt, uid, gid);
  await writeOwned(join(dir, "task.json"), `${JSON.stringify(doc)}\n`, uid, gid);
  const env = {
    PATH: process.env.PATH ?? "/run/current-system/sw/bin",
    HOME: join(root, "home/claude"),
    USER: "claude",
    LOGNAME: "claude",
    LANG: "C.UTF-8",
  };
  // The task's commits are the person's (ccc sends their prefs, or what it knows, or a noreply address):
  // in the repository's own config, so Claude Code's `git commit` and the push have an identity.
  if (doc.git && !identitySet) {
    const gitEnv = { ...env, GIT_TERMINAL_PROMPT: "0" };
    for (const [key, value] of [
      ["user.name", doc.git.name],
      ["user.email", doc.git.email],
    ]) {
      const set = await run(
        "runuser",
        ["-m", "-u", "claude", "--", "git", "-C", repo, "config", key, value],
        {
          env: gitEnv,
        },
      );
      if (set.code !== 0) throw new Error(`git config ${key} failed: ${lastLine(set.stderr)}`);
    }
  }
  const args = [
    `--unit=${unit}`,
    "--uid=claude",
    "--collect",
    "--quiet",
    `--property=RuntimeMaxSec=${doc.maxMinutes * 60}`,
    "--property=TimeoutStopSec=10",
    ...Object.entries(env).map(([k, v]) => `--setenv=${k}=${v}`),
    "--",
    process.execPath,
    RUNNER,
    "--root",
    root,
    doc.taskId,
  ];
  const started = await run("systemd-run", args, { timeoutMs: 30_000 });
  if (started.code !== 0) throw new Error(`systemd-run failed: ${lastLine(started.stderr)}`);
  return { ok: true, unit };
}

async function read(dir, doc, again = true) {
  if (again && doc.waitMs > 0) await news(dir, doc);
  // The ending first: once exit.json is there, every line the run wrote is in the log.
  const ending = await readJson(join(dir, "exit.json"));
  const text = await readFile(join(dir, "events.jsonl"), "utf8").catch(() => "");
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  const all = complete === "" ? [] : complete.slice(0, -1).split("\n");
  const lines = [];
  let size = 0;
  for (const line of all.slice(doc.fromLine)) {
    size += Buffer.byteLength(line) + 1;
    if (lines.length > 0 && size > MAX_READ_BYTES) break;
    lines.push(line);
  }
  const next = doc.fromLine + lines.length;
  // `exited` only in an answer that reaches the end of the log: a reader may stop at the first one.
  const atEnd = next >= all.length;
  if (ending && atEnd) {
    return {
      ok: true,
      lines,
      next,
      state: "exited",
      exitCode: ending.exitCode ?? null,
      signal: ending.signal ?? null,
    };
  }
  if (ending || (await isActive(unitOf(doc.taskId)))) {
    return { ok: true, lines, next, state: "running", exitCode: null, signal: null };
  }
  // It may have ended between the two looks: then its ending and every line are there now.
  if (again && (await readJson(join(dir, "exit.json")))) return read(dir, doc, false);
  // Gone without recording its end: the runner records every ending it lives through, so only SIGKILL
  // (stop's escalation, the OOM killer) or a reboot ends it like this.
  return {
    ok: true,
    lines,
    next,
    state: atEnd ? "exited" : "running",
    exitCode: null,
    signal: atEnd ? "SIGKILL" : null,
  };
}

/** Waits (at most `waitMs`) until the log has a line past `fromLine` or the run recorded its end. */
async function news(dir, doc) {
  const log = join(dir, "events.jsonl");
  const end = Date.now() + doc.waitMs;
  let seen = -1;
  for (;;) {
    if (await exists(join(dir, "exit.json"))) return;
    // The log only grows: it is read again only when its size changed.
    const size = await stat(log).then(
      (s) => s.size,
      () => 0,
    );
    if (size !== seen) {
      seen = size;
      const text = await readFile(log, "utf8").catch(() => "");
      let complete = 0;
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) complete += 1;
      if (complete > doc.fromLine) return;
    }
    // A unit killed without recording its end (SIGKILL, the OOM killer) shows at the end of the wait.
    if (Date.now() >= end) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_LOOK_MS, end - Date.now())));
  }
}

async function cancel(doc) {
  const unit = unitOf(doc.taskId);
  const wasRunning = await isActive(unit);
  if (wasRunning) {
    const stopped = await run("systemctl", ["stop", unit], { timeoutMs: 30_000 });
    if (stopped.code !== 0) throw new Error(`systemctl stop failed: ${lastLine(stopped.stderr)}`);
  }
  return { ok: true, wasRunning };
}

async function push(root, dir, doc) {
  const home = join(root, "home/claude");
  const repo = join(home, "work", doc.repoName);
  const base = (await readFile(join(dir, "base"), "utf8").catch(() => "")).trim();
  if (!plainBranch(base)) throw new TaskRefused(`task ${doc.taskId} never started its branch here`);
  const env = {
    HOME: home,
    USER: "claude",
    LOGNAME: "claude",
    PATH: process.env.PATH ?? "/run/current-system/sw/bin",
    LANG: "C.UTF-8",
    GIT_TERMINAL_PROMPT: "0",
    GCM_INTERACTIVE: "never",
    CCC_SECRETS_FILE: join(root, "run/ccc/secrets.env"),
  };
  const git = (args, timeoutMs = 60_000) =>
    run("runuser", ["-m", "-u", "claude", "--", "git", "-C", repo, ...args], { env, timeoutMs });
  const has = await git(["rev-parse", "--verify", "--quiet", `refs/heads/${doc.branch}`]);
  if (has.code !== 0) throw new TaskRefused(`there is no branch ${doc.branch} in ~/work/${doc.repoName}`);
  // This run's commits: after `start` (the branch's commit when it began; a reply adds to a branch that
  // already has the earlier ones), or, from a runner that did not record it, those the base lacks.
  const start = (await readFile(join(dir, "start"), "utf8").catch(() => "")).trim();
  const from = /^[0-9a-f]{40,64}$/.test(start) ? start : `refs/heads/${base}`;
  const counted = await git(["rev-list", "--count", `${from}..refs/heads/${doc.branch}`]);
  if (counted.code !== 0) throw new Error(`git rev-list failed: ${lastLine(counted.stderr)}`);
  const commits = Number(counted.stdout.trim());
  if (commits === 0) return { ok: true, commits: 0, diffStat: "", baseBranch: base, pushed: false };
  const stat = await git(["diff", "--stat", `${from}...refs/heads/${doc.branch}`]);
  const diffStat = stat.stdout.trimEnd().split("\n").slice(-30).join("\n");
  const pushed = await git(
    ["push", "--quiet", "origin", `refs/heads/${doc.branch}:refs/heads/${doc.branch}`],
    5 * 60_000,
  );
  if (pushed.code !== 0) {
    return { ok: false, pushRefused: true, error: "git push was refused", detail: lastLine(pushed.stderr) };
  }
  return { ok: true, commits, diffStat, baseBranch: base, pushed: true };
}

async function isActive(unit) {
  const outcome = await run("systemctl", ["is-active", "--quiet", unit], { timeoutMs: 10_000 });
  return outcome.code === 0;
}

async function claudeIds(_root) {
  // The accounts are the system's own, whatever --root says.
  const text = await readFile("/etc/passwd", "utf8");
  for (const line of text.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name === "claude") return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error("this machine has no claude user");
}

async function writeOwned(file, text, uid, gid) {
  await rm(file, { force: true });
  // Born 0600, then given to claude before anything is written: never readable by anyone else.
  const handle = await open(file, "wx", 0o600);
  try {
    await handle.chown(uid, gid);
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readJson(file) {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    return null;
  }
}

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function lastLine(text) {
  const lines = String(text)
    .split(/[\r\n]/)
    .map((l) => l.replace(/[\p{Cc}]/gu, " ").trim())
    .filter(Boolean);
  const line = lines.filter((l) => /^(?:fatal|error|!)/.test(l)).at(-1) ?? lines.at(-1) ?? "no output";
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** Runs a tool from PATH, never through a shell. */
function run(command, args, { env = process.env, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      if (stdout.length < 1_000_000) stdout += c;
    });
    child.stderr.on("data", (c) => {
      if (stderr.length < 100_000) stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({
        code: -1,
        stdout,
        stderr: error.code === "ENOENT" ? `${command} is not installed` : error.message,
      });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
