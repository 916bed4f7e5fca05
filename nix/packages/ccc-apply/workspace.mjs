// ccc-apply's workspace mode: a document `{"kind":"workspace","version":1,…}` on standard input (the same
// pinned channel and command; only the document differs). After the machine is handed over it makes it ready
// to code, as the claude user, in this order:
//   1. git's identity and credential helper for the forges ccc knows (git config --global, in ~/.gitconfig;
//      written while the clone runs, which gets the helpers on its command line);
//   2. the repository cloned into ~/work/<name> (shallow unless `full`), or fetched when a clone is already
//      there (a work volume kept it from an earlier machine);
//   3. its flake's devShell built (`nix develop <dir> --command true`) when flake.nix has devShells; the
//      login hook then enters it (~/.config/ccc/devshell names the folder);
//   4. the dotfiles repository cloned into ~/.dotfiles and its install.sh (or bootstrap.sh) run, its output
//      kept in /var/lib/cloud-instance/dotfiles.log and the answer's `dotfiles.log` (the last 8 KB).
// Each tool is started without a shell, with argv only, through `runuser -u claude --`. Tokens are never in
// the document, a URL or .git/config: git asks `git credential-ccc`, which reads /run/ccc/secrets.env.
// Progress goes out as `{"progress":"…"}` lines before the one answer line. A repository that cannot be
// cloned, a devShell that fails and failing dotfiles are reported, never fatal: the machine is handed over.
import { spawn } from "node:child_process";
import { lstat, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const FIELDS = ["kind", "version", "instanceId", "repo", "dotfiles", "git", "credentialHosts"];
const SOURCE_FIELDS = ["url", "name", "branch", "full"];
const URL_PATTERN = /^(?:https?|git|file):\/\/[^\s@]+$/;
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
const BRANCH_PATTERN = /^[A-Za-z0-9._/+-]{1,200}$/;
const ID_PATTERN = /^ccc-[a-z0-9]{6}$/;
const HOST_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?$/;
const CLONE_TIMEOUT_MS = 10 * 60_000;
const DEVSHELL_TIMEOUT_MS = 20 * 60_000;
const DOTFILES_TIMEOUT_MS = 10 * 60_000;
const LOG_TAIL = 8 * 1024;

export class WorkspaceRefused extends Error {}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** Every problem with the document, in words that never repeat a value sent. */
export function workspaceProblems(doc) {
  const problems = [];
  if (doc.version !== 1) return ["workspace documents are version 1"];
  const unknown = Object.keys(doc).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) problems.push(`unknown workspace fields: ${unknown.length}`);
  if (!(typeof doc.instanceId === "string" && ID_PATTERN.test(doc.instanceId))) {
    problems.push("instanceId must look like ccc-k7x2mq");
  }
  for (const key of ["repo", "dotfiles"]) {
    if (!(key in doc)) continue;
    const source = doc[key];
    if (!isObject(source)) {
      problems.push(`${key} must be an object`);
      continue;
    }
    if (Object.keys(source).some((k) => !SOURCE_FIELDS.includes(k)))
      problems.push(`${key} has unknown fields`);
    if (!(typeof source.url === "string" && URL_PATTERN.test(source.url) && source.url.length <= 500)) {
      problems.push(`${key}.url must be an https, http, git or file URL without credentials`);
    }
    if (
      !(typeof source.name === "string" && NAME_PATTERN.test(source.name) && !/^\.\.?$/.test(source.name))
    ) {
      problems.push(`${key}.name must be letters, digits, . _ or -`);
    }
    const branch = source.branch;
    if (branch !== undefined && branch !== null) {
      if (
        !(
          typeof branch === "string" &&
          BRANCH_PATTERN.test(branch) &&
          !branch.includes("..") &&
          !/^[-/]/.test(branch)
        )
      ) {
        problems.push(`${key}.branch must be a plain branch name`);
      }
    }
    if ("full" in source && typeof source.full !== "boolean")
      problems.push(`${key}.full must be true or false`);
  }
  if ("git" in doc) {
    const git = doc.git;
    const ok =
      isObject(git) &&
      Object.keys(git).every((k) => k === "name" || k === "email") &&
      [git.name, git.email].every(
        (v) => v === undefined || (typeof v === "string" && v.length <= 200 && !/[\p{Cc}]/u.test(v)),
      );
    if (!ok) problems.push("git must be {name, email}: one line each");
  }
  if ("credentialHosts" in doc) {
    const hosts = doc.credentialHosts;
    const ok =
      Array.isArray(hosts) &&
      hosts.length <= 4 &&
      hosts.every(
        (h) =>
          isObject(h) &&
          typeof h.url === "string" &&
          HOST_PATTERN.test(h.url) &&
          (h.forge === "github" || h.forge === "gitlab"),
      );
    if (!ok)
      problems.push("credentialHosts must list up to 4 {url: scheme://host[:port], forge: github|gitlab}");
  }
  return problems;
}

/**
 * Runs the workspace document; `emit` sends one progress line. `repoConfig` ([key, value] pairs): set in the
 * repository's own config as it is cloned (`git clone --config`; a task's git identity), not when fetched.
 */
export async function prepareWorkspace(root, doc, emit, repoConfig = []) {
  const problems = workspaceProblems(doc);
  if (problems.length > 0) throw new WorkspaceRefused(problems.join("; "));
  const id = (await readFile(join(root, "etc/cloud-instance/instance-id"), "utf8")).trim();
  if (doc.instanceId !== id)
    throw new WorkspaceRefused(`this machine is ${id}; the document is for another machine`);
  const home = join(root, "home/claude");
  const env = userEnv(root, home);
  // -m: the environment given here (HOME, PATH, the secrets file's place), not one runuser makes up.
  const as = (args, options = {}) =>
    run("runuser", ["-m", "-u", "claude", "--", ...args], { env, ...options });
  const result = { ok: true };

  if (!(await exists(join(home, "work")))) await as(["mkdir", "-p", join(home, "work")]);
  // ~/.gitconfig is written while the repository is cloned: the clone is given the credential helpers on
  // its command line (`-c`), the same ones the file gets. Each `git config` takes the file's lock, so
  // they go one after another; everything after the clone waits for them.
  const helpers = (doc.credentialHosts ?? []).map((host) => [
    `credential.${host.url}.helper`,
    `ccc ${host.forge}`,
  ]);
  const configured = (async () => {
    for (const [key, value] of [["user.name", doc.git?.name], ["user.email", doc.git?.email], ...helpers]) {
      if (value) await as(["git", "config", "--global", key, value]);
    }
  })();
  const withHelpers = helpers.flatMap(([key, value]) => ["-c", `${key}=${value}`]);

  if (doc.repo) {
    const dir = join(home, "work", doc.repo.name);
    const shown = `~/work/${doc.repo.name}`;
    result.repo = await cloneOrFetch(as, doc.repo, dir, emit, shown, withHelpers, repoConfig);
    result.repo.path = `/home/claude/work/${doc.repo.name}`;
    await configured;
    if (result.repo.ok) result.devShell = await devShell(as, home, dir, emit);
  }
  await configured;
  if (doc.dotfiles) {
    result.dotfiles = await dotfiles(as, root, home, doc.dotfiles, emit);
  }
  return result;
}

function userEnv(root, home) {
  return {
    HOME: home,
    USER: "claude",
    LOGNAME: "claude",
    PATH: process.env.PATH ?? "/run/current-system/sw/bin",
    LANG: "C.UTF-8",
    // Never a prompt: without a token git fails at once and says so.
    GIT_TERMINAL_PROMPT: "0",
    GCM_INTERACTIVE: "never",
    CCC_SECRETS_FILE: join(root, "run/ccc/secrets.env"),
    ...(process.env.NIX_PATH ? { NIX_PATH: process.env.NIX_PATH } : {}),
  };
}

async function exists(path) {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function cloneOrFetch(as, source, dir, emit, shown, config = [], repoConfig = []) {
  if (await exists(join(dir, ".git"))) {
    emit(`Fetching ${shown} (kept on the work volume)`);
    const fetched = await as(["git", ...config, "-C", dir, "fetch", "--quiet", "origin"], {
      timeoutMs: CLONE_TIMEOUT_MS,
    });
    return fetched.code === 0
      ? { ok: true, action: "fetched" }
      : { ok: false, action: "fetched", error: failureOf(fetched) };
  }
  emit(`Cloning into ${shown}`);
  const args = ["git", ...config, "clone", "--progress", ...(source.full ? [] : ["--depth", "1"])];
  if (source.branch) args.push("--branch", source.branch);
  for (const [key, value] of repoConfig) args.push("--config", `${key}=${value}`);
  args.push("--", source.url, dir);
  let last = 0;
  const cloned = await as(args, {
    timeoutMs: CLONE_TIMEOUT_MS,
    onStderr: (text) => {
      const pct = /Receiving objects:\s+(\d+)%/.exec(
        text
          .split("\r")
          .filter((s) => s.includes("Receiving"))
          .at(-1) ?? "",
      );
      if (pct && Date.now() - last > 1000) {
        last = Date.now();
        emit(`Cloning into ${shown}: ${pct[1]}%`);
      }
    },
  });
  return cloned.code === 0
    ? { ok: true, action: "cloned", shallow: !source.full }
    : { ok: false, action: "cloned", error: failureOf(cloned) };
}

async function devShell(as, home, dir, emit) {
  const marker = join(home, ".config/ccc/devshell");
  let flake = "";
  try {
    flake = await readFile(join(dir, "flake.nix"), "utf8");
  } catch {}
  if (!/devShells?/.test(flake)) {
    if (await exists(marker)) await as(["rm", "-f", marker]);
    return { state: "none" };
  }
  emit("Building the repository's devShell (nix develop)");
  const built = await as(["nix", "develop", dir, "--command", "true"], {
    timeoutMs: DEVSHELL_TIMEOUT_MS,
    cwd: dir,
  });
  if (built.code !== 0) {
    await as(["rm", "-f", marker]);
    return { state: "failed", error: failureOf(built) };
  }
  await as(["mkdir", "-p", join(home, ".config/ccc")]);
  await as(["tee", marker], { input: `${dir}\n` });
  return { state: "ready" };
}

async function dotfiles(as, root, home, source, emit) {
  const dir = join(home, ".dotfiles");
  const got = await cloneOrFetch(as, { ...source, full: false }, dir, emit, "~/.dotfiles");
  if (!got.ok) return { ok: false, script: null, error: got.error };
  const script = (await exists(join(dir, "install.sh")))
    ? "install.sh"
    : (await exists(join(dir, "bootstrap.sh")))
      ? "bootstrap.sh"
      : null;
  if (!script) return { ok: true, script: null };
  emit(`Running your dotfiles' ${script}`);
  const ran = await as(["sh", join(dir, script)], { timeoutMs: DOTFILES_TIMEOUT_MS, cwd: dir, both: true });
  const log = ran.output.length > LOG_TAIL ? `…${ran.output.slice(-LOG_TAIL)}` : ran.output;
  const state = join(root, "var/lib/cloud-instance");
  await mkdir(state, { recursive: true, mode: 0o755 });
  await writeFile(join(state, "dotfiles.log"), ran.output, { mode: 0o640 });
  return ran.code === 0
    ? { ok: true, script, log }
    : {
        ok: false,
        script,
        log,
        error: ran.timedOut ? "gave up after 10 minutes" : `${script} exited with ${ran.code}`,
      };
}

/** Runs a tool from PATH, never through a shell; `both` keeps stdout and stderr together in `output`. */
function run(command, args, { env, timeoutMs = 60_000, cwd, input, onStderr, both = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env,
      cwd,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stderr = "";
    let output = "";
    let timedOut = false;
    child.stdout.on("data", (chunk) => {
      if (both && output.length < 1_000_000) output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      const text = String(chunk);
      if (stderr.length < 100_000) stderr += text;
      if (both && output.length < 1_000_000) output += text;
      onStderr?.(text);
    });
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({
        code: -1,
        stderr: error.code === "ENOENT" ? `${command} is not installed` : error.message,
        output,
        timedOut,
      });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stderr, output, timedOut });
    });
  });
}

/** One plain line about a failed tool: git's `fatal:` or Nix's `error:` line, else its last line. */
function failureOf(outcome) {
  if (outcome.timedOut) return "gave up (timed out)";
  const lines = outcome.stderr
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes are what this removes.
    .replace(/\u001b\[[0-9;]*[A-Za-z]/g, "")
    .split(/[\r\n]/)
    .map((line) => line.replace(/[\p{Cc}]/gu, " ").trim())
    .filter((line) => line !== "");
  const named = lines.filter((line) => /^(?:fatal|error):\s*\S/.test(line));
  const line =
    named.at(-1)?.replace(/^(?:fatal|error):\s*/, "") ?? lines.at(-1) ?? `exit code ${outcome.code}`;
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
