// The runner of one task, the command of the transient unit `ccc-task-<id>.service` that ccc-apply's task mode
// starts as the claude user (`ccc-task-run.mjs [--root <dir>] <taskId>`). It reads the task's document from
// /var/lib/ccc/tasks/<id>/task.json, takes the owner's secrets from /run/ccc/secrets.env into the environment,
// switches ~/work/<repoName> to the task's branch (made from the checked-out branch, which it records in
// `base`; `start` is the branch's commit before the run), and runs Claude Code headless with the prompt on standard input (never an argument, never a shell):
//   claude -p --output-format stream-json --verbose --max-turns N --permission-mode bypassPermissions
//          --append-system-prompt <text> [--resume <session>]
// Each stdout line goes to events.jsonl as it comes (synced), and the ending to exit.json last: a reader that
// sees exit.json has every line. A stop (cancel, RuntimeMaxSec) is SIGTERM: passed on, recorded as a signal.
import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { open, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseSecrets } from "../ccc-user/secrets-file.mjs";

const argv = process.argv.slice(2);
let root = "/";
if (argv[0] === "--root" && argv.length === 3) root = argv[1];
else if (argv.length !== 1) fail("usage: ccc-task-run [--root <dir>] <taskId>");
const taskId = argv.at(-1);
if (!/^tsk-[a-z2-9]{8}$/.test(taskId)) fail("the task id must look like tsk-k7x2mq4b");

const dir = join(root, "var/lib/ccc/tasks", taskId);
const events = await open(join(dir, "events.jsonl"), "a", 0o600);
let stopSignal = null;
let child = null;
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
  process.on(signal, () => {
    stopSignal ??= signal;
    if (child && child.exitCode === null) child.kill(signal);
    else if (!child) void finish({ exitCode: null, signal });
  });
}

try {
  const doc = JSON.parse(await readFile(join(dir, "task.json"), "utf8"));
  const repo = join(root, "home/claude/work", doc.repoName);
  const env = await environment();
  await switchBranch(repo, doc.branch, env);
  if (stopSignal) await finish({ exitCode: null, signal: stopSignal });
  const args = [
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--max-turns",
    String(doc.maxTurns),
    // The machine is disposable and the task is unattended: nobody is there to approve a tool. The claude
    // user is unprivileged (bypass refuses root), and only the branch leaves the machine, pushed by ccc.
    "--permission-mode",
    "bypassPermissions",
    ...(doc.appendSystemPrompt ? ["--append-system-prompt", doc.appendSystemPrompt] : []),
    ...(doc.resumeSessionId ? ["--resume", doc.resumeSessionId] : []),
  ];
  const prompt = openSync(join(dir, "prompt"), "r");
  child = spawn("claude", args, { cwd: repo, env, stdio: [prompt, "pipe", "pipe"] });
  const ended = await follow(child);
  await finish(stopSignal ? { exitCode: null, signal: stopSignal } : ended);
} catch (error) {
  await note(`the task could not start: ${error instanceof Error ? error.message : String(error)}`);
  await finish(stopSignal ? { exitCode: null, signal: stopSignal } : { exitCode: 1, signal: null });
}

/** Appends stdout lines to the log as they complete; resolves with how claude ended. */
function follow(proc) {
  let pending = "";
  let writing = Promise.resolve();
  let stderr = "";
  proc.stdout.setEncoding("utf8");
  proc.stdout.on("data", (chunk) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") writing = writing.then(() => append(line));
  });
  proc.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  return new Promise((resolve) => {
    proc.on("error", (error) => {
      writing = writing.then(() =>
        note(error.code === "ENOENT" ? "claude is not installed" : `claude did not start: ${error.message}`),
      );
    });
    proc.on("close", async (code, signal) => {
      if (pending.trim() !== "") writing = writing.then(() => append(pending));
      await writing;
      await writeFile(join(dir, "stderr.log"), stderr, { mode: 0o600 }).catch(() => {});
      resolve({ exitCode: code, signal });
    });
  });
}

async function append(line) {
  await events.write(`${line}\n`);
  await events.sync();
}

/** A line of ccc's own in the log (the runner's trouble), shaped like Claude Code's system lines. */
function note(message) {
  return append(JSON.stringify({ type: "system", subtype: "ccc_error", message }));
}

async function finish(ending) {
  const temp = join(dir, `.exit.json.${process.pid}`);
  await writeFile(temp, `${JSON.stringify(ending)}\n`, { mode: 0o600 });
  await rename(temp, join(dir, "exit.json"));
  await events.close().catch(() => {});
  process.exit(ending.exitCode ?? 1);
}

/** This unit's environment, the owner's secrets over it, and Claude Code kept from updating itself. */
async function environment() {
  const env = { ...process.env };
  const file = join(root, "run/ccc/secrets.env");
  const text = await readFile(file, "utf8").catch(() => "");
  for (const [name, value] of parseSecrets(text)) env[name] = value;
  env.CCC_SECRETS_FILE = file;
  env.DISABLE_AUTOUPDATER = "1";
  env.GIT_TERMINAL_PROMPT = "0";
  env.CCC_TASK_ID = taskId;
  return env;
}

async function switchBranch(repo, branch, env) {
  const git = (args, timeoutMs) => tool("git", ["-C", repo, ...args], env, timeoutMs);
  const basePath = join(dir, "base");
  const recorded = await readFile(basePath, "utf8").catch(() => "");
  if (recorded.trim() === "") {
    // .git/HEAD names the branch of a fresh clone (one file read instead of a git process).
    const text = await readFile(join(repo, ".git/HEAD"), "utf8").catch(() => "");
    let current = /^ref: refs\/heads\/(\S+)\n?$/.exec(text)?.[1];
    if (!current) {
      const head = await git(["symbolic-ref", "--short", "HEAD"]);
      if (head.code !== 0) throw new Error(`~/work is not on a branch (${head.stderr.trim()})`);
      current = head.stdout.trim();
    }
    // Already on the task's branch (a reply continuing it, here or on a new machine cloned from it): the
    // base is where that branch began, not the branch itself.
    const base = current === branch ? await baseOfBranch(branch, git) : current;
    await writeFile(basePath, `${base}\n`, { mode: 0o600 });
  }
  // A new task's branch is new: made at once; a reply's branch exists already, and is switched to.
  let switched = await git(["switch", "-c", branch]);
  if (switched.code !== 0) {
    const has = await git(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`]);
    if (has.code === 0) switched = await git(["switch", branch]);
  }
  if (switched.code !== 0) throw new Error(`git switch failed: ${switched.stderr.trim().split("\n").at(-1)}`);
  // Where this run starts on the branch: the commits after it are this run's, the ones pushed and shown.
  const startPath = join(dir, "start");
  if ((await readFile(startPath, "utf8").catch(() => "")).trim() === "") {
    const start = await git(["rev-parse", "HEAD"]);
    if (start.code === 0) await writeFile(startPath, `${start.stdout.trim()}\n`, { mode: 0o600 });
  }
}

/** The base of an existing task branch: an earlier task's here, else the remote's default branch. */
async function baseOfBranch(branch, git) {
  const tasks = join(root, "var/lib/ccc/tasks");
  for (const id of await readdir(tasks).catch(() => [])) {
    if (id === taskId) continue;
    const earlier = await readFile(join(tasks, id, "task.json"), "utf8")
      .then((text) => JSON.parse(text))
      .catch(() => null);
    const base = (await readFile(join(tasks, id, "base"), "utf8").catch(() => "")).trim();
    if (earlier?.branch === branch && base && base !== branch) return base;
  }
  const remote = await git(["symbolic-ref", "--short", "refs/remotes/origin/HEAD"]);
  const name = remote.stdout.trim().replace(/^origin\//, "");
  if (remote.code === 0 && name) return name;
  // A shallow clone of the branch alone has no origin/HEAD: the remote says (through the credential helper).
  const asked = await git(["ls-remote", "--symref", "origin", "HEAD"], 30_000);
  const head = /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(asked.stdout)?.[1];
  return asked.code === 0 && head ? head : branch;
}

function tool(command, args, env, timeoutMs = 0) {
  return new Promise((resolve) => {
    const proc = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c) => {
      stdout += c;
    });
    proc.stderr.on("data", (c) => {
      stderr += c;
    });
    proc.on("error", (error) => resolve({ code: -1, stdout, stderr: error.message }));
    proc.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function fail(message) {
  console.error(`ccc-task-run: ${message}`);
  process.exit(2);
}
