// The machine side of tasks end to end: the bot's SSH channel → the real sshd stand-in → the real ccc-apply's
// task mode → a transient unit (the systemd stand-ins) running the real `claude` binary as the claude user
// against the Anthropic stand-in, in a repository cloned from the GitHub stand-in, pushed back to it.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { KEY, makeTaskWorld, readToEnd, startDoc, type TaskWorld, TOKEN, waitFor } from "./task-world.ts";

const skip = sshdMissingReason ?? claudeUserMissingReason;
let world: TaskWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const resultOf = (lines: string[]) => parsed(lines).find((e) => e.type === "result");

/** Milliseconds from `since` until the first Messages API request reached the stand-in. */
async function firstRequestAfter(w: TaskWorld, since: number): Promise<number> {
  await waitFor("the first Messages API request", () => w.api.requests.length > 0, 60_000);
  return Date.now() - since;
}

const timings: number[] = [];

describe.skipIf(skip)("tasks on the machine, through the real sshd and the real claude", () => {
  test("claude writes a file and commits it; reads return each line once; the push puts it on ccc/<id>", async () => {
    world = await makeTaskWorld();
    const w = world;
    const id = "tsk-wr2te7ab";
    w.api.script(
      {
        toolUse: {
          name: "Write",
          input: { file_path: join(w.repo, "NOTES.md"), content: "Notes from the task\n" },
        },
      },
      {
        toolUse: {
          name: "Bash",
          input: {
            command: "git add NOTES.md && git commit -q -m 'Add notes'",
            description: "Commit the notes",
          },
        },
      },
      { text: "I added NOTES.md with a line of notes and committed it." },
    );

    const t0 = Date.now();
    const started = await w.channel.start(w.target, startDoc(id, "Add a NOTES.md file"));
    expect(started).toEqual({ kind: "ok", unit: `ccc-task-${id}.service` });
    timings.push(await firstRequestAfter(w, t0));

    const { reads, lines, next } = await readToEnd(w.channel, w.target, id);
    const last = reads.at(-1);
    expect(last).toMatchObject({ state: "exited", exitCode: 0, signal: null });
    expect(w.api.problems).toEqual([]);
    // Every line of the log once, in order, over several reads that each began where the last one ended.
    expect(reads.length).toBeGreaterThan(1);
    const log = readFileSync(join(w.taskDir(id), "events.jsonl"), "utf8");
    expect(lines.map((l) => `${l}\n`).join("")).toBe(log);
    expect(next).toBe(lines.length);
    const events = parsed(lines);
    expect(events[0]).toMatchObject({ type: "system", subtype: "init", permissionMode: "bypassPermissions" });
    const result = resultOf(lines);
    expect(result).toMatchObject({
      is_error: false,
      result: "I added NOTES.md with a line of notes and committed it.",
    });
    expect(typeof result?.total_cost_usd).toBe("number");
    expect(result?.usage).toMatchObject({
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
    });
    // Asked for from the start on again (a new follower), the same lines come back.
    const again = await w.channel.read(w.target, id, 0);
    expect(again.kind === "ok" && again.lines.slice(0, 3)).toEqual(lines.slice(0, 3));

    // The prompt file: the claude user's, 0600.
    const prompt = statSync(join(w.taskDir(id), "prompt"));
    expect([prompt.uid, prompt.mode & 0o777]).toEqual([w.u.uid, 0o600]);

    // A token that may read but not write: the remote refuses, and the answer says so.
    w.github.addRepo("acme/app", { private: true, tokens: [TOKEN], writers: [] });
    const refused = await w.channel.push(w.target, id, "app", `ccc/${id}`);
    expect(refused).toMatchObject({ kind: "push-refused", detail: expect.stringMatching(/403|denied/) });
    w.github.addRepo("acme/app", { private: true, tokens: [TOKEN] });
    const pushed = await w.channel.push(w.target, id, "app", `ccc/${id}`);
    expect(pushed).toMatchObject({ kind: "ok", commits: 1, pushed: true, baseBranch: "main" });
    expect(pushed.kind === "ok" && pushed.diffStat).toMatch(
      /NOTES\.md \| 1 \+\n 1 file changed, 1 insertion/,
    );
    const remote = execFileSync(
      "git",
      ["--git-dir", w.bare, "log", "--format=%s %an", `refs/heads/ccc/${id}`],
      {
        encoding: "utf8",
      },
    );
    expect(remote.split("\n")[0]).toBe("Add notes Ada Lovelace");
    // Through the credential helper: the token went as git's Basic password, never in a URL or .git/config.
    const pushes = w.github.calls.filter((c) => c.path.endsWith("git-receive-pack"));
    expect(pushes.at(-1)).toMatchObject({ token: TOKEN, status: 200 });
    expect(readFileSync(join(w.repo, ".git/config"), "utf8")).not.toContain(TOKEN);
    expect(JSON.stringify(w.sshd.sessions())).not.toContain(KEY);
    expect(w.github.problems).toEqual([]);
  }, 180_000);

  test("a prompt with quotes, backticks, $(…) and newlines reaches the API verbatim; no change, nothing pushed", async () => {
    world = await makeTaskWorld();
    const w = world;
    const id = "tsk-quote5zz";
    const prompt = `Fix "it" and 'that';\n\`rm -rf /\` $(touch /tmp/pwned-${id}) \${HOME} \\ done\n\n  indented — ünïcode`;
    w.api.script({ text: "Nothing needed changing." });

    const t0 = Date.now();
    expect(
      await w.channel.start(w.target, startDoc(id, prompt, { maxMinutes: 7, maxTurns: 3 })),
    ).toMatchObject({
      kind: "ok",
    });
    timings.push(await firstRequestAfter(w, t0));
    const { lines } = await readToEnd(w.channel, w.target, id);

    const content = w.api.requests[0]?.body.messages as { role: string; content: unknown }[];
    const texts = JSON.stringify(content[0]?.content);
    expect(
      ((content[0]?.content ?? []) as { type: string; text: string }[]).some(
        (b) => b.type === "text" && b.text === prompt,
      ),
      texts,
    ).toBe(true);
    const system = JSON.stringify(w.api.requests[0]?.body.system);
    expect(system).toContain("Commit your work on the current branch, do not push anywhere");
    expect(() => statSync(`/tmp/pwned-${id}`)).toThrow();
    expect(resultOf(lines)).toMatchObject({ is_error: false, num_turns: 1 });
    // The unit as ccc asked for it: named for the task, as claude, capped in time.
    const runs = readFileSync(w.toolsLog, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { tool: string; argv: string[] })
      .filter((c) => c.tool === "systemd-run");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.argv).toEqual(
      expect.arrayContaining([
        `--unit=ccc-task-${id}.service`,
        "--uid=claude",
        "--property=RuntimeMaxSec=420",
      ]),
    );
    expect(JSON.stringify(runs)).not.toContain("rm -rf");
    // No secret in what the machine's tools were given (argv, unit environment).
    expect(readFileSync(w.toolsLog, "utf8")).not.toContain(KEY);
    expect(readFileSync(w.toolsLog, "utf8")).not.toContain(TOKEN);

    expect(await w.channel.push(w.target, id, "app", `ccc/${id}`)).toEqual({
      kind: "ok",
      commits: 0,
      diffStat: "",
      baseBranch: "main",
      pushed: false,
    });
    expect(w.github.calls.filter((c) => c.path.endsWith("git-receive-pack"))).toEqual([]);
  }, 180_000);

  test("cancel stops a running task (a long Bash command): the unit ends on a signal, the command with it", async () => {
    world = await makeTaskWorld();
    const w = world;
    const id = "tsk-wait6aaa";
    w.api.script({
      toolUse: {
        name: "Bash",
        input: { command: "tail -f /dev/null", description: "Wait", timeout: 120000 },
      },
    });

    const t0 = Date.now();
    expect(await w.channel.start(w.target, startDoc(id, "Wait a minute"))).toMatchObject({ kind: "ok" });
    timings.push(await firstRequestAfter(w, t0));
    // Claude Code 2.1.x blocks `sleep 60` (and `sleep 60 && …`) in its Bash tool; any long command will do.
    await waitFor("the long command to start", () => waiting().length > 0, 60_000);
    const before = await w.channel.read(w.target, id, 0);
    expect(before).toMatchObject({ kind: "ok", state: "running", exitCode: null, signal: null });

    // The idle check sees the task's unit, so a machine at work does not hibernate.
    expect(w.runningTasks()).toEqual([`ccc-task-${id}.service`]);

    expect(await w.channel.cancel(w.target, id)).toEqual({ kind: "ok" });
    expect(w.runningTasks()).toEqual([]);
    const after = await w.channel.read(w.target, id, 0);
    expect(after).toMatchObject({ kind: "ok", state: "exited", exitCode: null, signal: "SIGTERM" });
    expect(waiting()).toEqual([]);
    // Cancelling again: nothing is running, and that is fine.
    expect(await w.channel.cancel(w.target, id)).toEqual({ kind: "ok" });
  }, 180_000);

  test("the turn cap: claude stops with error_max_turns; a restarted ccc reads on from where it was", async () => {
    world = await makeTaskWorld();
    const w = world;
    const id = "tsk-turn5cap";
    w.api.script(
      { toolUse: { name: "Bash", input: { command: "echo one", description: "One" } } },
      { toolUse: { name: "Bash", input: { command: "echo two", description: "Two" } } },
    );

    const t0 = Date.now();
    expect(await w.channel.start(w.target, startDoc(id, "Keep going", { maxTurns: 1 }))).toMatchObject({
      kind: "ok",
    });
    timings.push(await firstRequestAfter(w, t0));
    // The first ccc reads the first line, then "restarts": a new channel (new process) goes on from `next`.
    let first = await w.channel.read(w.target, id, 0);
    while (first.kind === "ok" && first.lines.length === 0) first = await w.channel.read(w.target, id, 0);
    if (first.kind !== "ok") throw new Error(JSON.stringify(first));
    const rest = await readToEnd(w.newChannel(), w.target, id, first.next);
    const all = [...first.lines, ...rest.lines];
    expect(all.map((l) => `${l}\n`).join("")).toBe(readFileSync(join(w.taskDir(id), "events.jsonl"), "utf8"));
    const result = resultOf(all);
    // What Claude Code 2.1.x really emits at the cap.
    expect(result).toMatchObject({ subtype: "error_max_turns" });
    expect(rest.reads.at(-1)).toMatchObject({ state: "exited" });
  }, 180_000);

  test("an API error turn: the result says is_error", async () => {
    world = await makeTaskWorld();
    const w = world;
    const id = "tsk-err5rrrr";
    w.api.script({ error: { status: 500, type: "api_error", message: "Internal server error (stand-in)" } });

    const t0 = Date.now();
    expect(await w.channel.start(w.target, startDoc(id, "Anything"))).toMatchObject({ kind: "ok" });
    timings.push(await firstRequestAfter(w, t0));
    const { lines, reads } = await readToEnd(w.channel, w.target, id);
    expect(resultOf(lines)).toMatchObject({ is_error: true, api_error_status: 500 });
    expect(resultOf(lines)?.result).toContain("Internal server error (stand-in)");
    // One call, no retries (CLAUDE_CODE_MAX_RETRIES=0 from the secrets file), nothing unexpected.
    expect(w.api.requests).toHaveLength(1);
    expect(w.api.problems).toEqual([]);
    expect(reads.at(-1)).toMatchObject({ state: "exited" });
  }, 180_000);

  test("a reply resumes the session on the same branch; its lines follow the first run's in the same log", async () => {
    world = await makeTaskWorld();
    const w = world;
    const id = "tsk-resume7a";
    w.api.script({ text: "First answer." }, { text: "Second answer, same session." });

    const t0 = Date.now();
    expect(await w.channel.start(w.target, startDoc(id, "First ask"))).toMatchObject({ kind: "ok" });
    timings.push(await firstRequestAfter(w, t0));
    const first = await readToEnd(w.channel, w.target, id);
    const session = resultOf(first.lines)?.session_id as string;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);

    const again = await w.channel.start(w.target, startDoc(id, "And then?", { resumeSessionId: session }));
    expect(again).toMatchObject({ kind: "ok" });
    const second = await readToEnd(w.channel, w.target, id, first.next);
    expect(resultOf(second.lines)).toMatchObject({
      result: "Second answer, same session.",
      session_id: session,
    });
    // The second request carries the first exchange: Claude Code resumed the session.
    const messages = JSON.stringify(w.api.requests[1]?.body.messages);
    expect(messages).toContain("First ask");
    expect(messages).toContain("First answer.");
    const log = readFileSync(join(w.taskDir(id), "events.jsonl"), "utf8");
    expect([...first.lines, ...second.lines].map((l) => `${l}\n`).join("")).toBe(log);
  }, 180_000);

  test("documents the machine refuses: nothing written, nothing started", async () => {
    world = await makeTaskWorld();
    const w = world;
    // What ccc's channel would never send, straight to the machine's command.
    const raw = await w.applyRaw({ ...startDoc("tsk-bad5bad5", "x"), extra: 1 });
    expect([raw.code, raw.answer]).toEqual([2, { ok: false, error: "unknown task-start fields: 1" }]);
    const typo = await w.applyRaw({ kind: "task-stop", version: 1 });
    expect(typo.code).toBe(2);
    expect(
      await w.channel.start(w.target, startDoc("tsk-bad5bad5", "x", { branch: "--force" })),
    ).toMatchObject({
      kind: "refused",
      reason: "branch must be a plain branch name",
    });
    expect(
      await w.channel.start(w.target, startDoc("tsk-bad5bad5", "x", { repoName: "../etc" })),
    ).toMatchObject({
      kind: "refused",
    });
    // A git identity that would break git's config or an address: refused, nothing configured.
    const badGit = await w.applyRaw({
      ...startDoc("tsk-bad5bad5", "x"),
      git: { name: "Eve <eve@evil>", email: "not an email" },
    });
    expect([badGit.code, badGit.answer]).toEqual([
      2,
      {
        ok: false,
        error: "git must be {name, email}: a name of 1 to 100 characters without <>, and an email",
      },
    ]);
    expect(await w.channel.start(w.target, startDoc("tsk-bad5bad5", "x", { maxTurns: 0 }))).toMatchObject({
      kind: "refused",
      reason: "maxTurns must be a whole number from 1 to 500",
    });
    expect(
      await w.channel.start(w.target, startDoc("tsk-bad5bad5", "x", { repoName: "missing" })),
    ).toMatchObject({
      kind: "refused",
      reason: "~/work/missing is not a git repository on this machine",
    });
    expect(await w.channel.read(w.target, "tsk-none5555", 0)).toMatchObject({
      kind: "refused",
      reason: "there is no task tsk-none5555 on this machine",
    });
    expect(() => statSync(w.taskDir("tsk-bad5bad5"))).toThrow();
    expect(readFileSync(w.toolsLog, "utf8")).not.toContain("systemd-run");
  }, 60_000);
});

/** The long command's processes, the claude user's. */
function waiting(): string[] {
  try {
    return execFileSync("pgrep", ["-u", "claude", "-f", "^tail -f /dev/null$"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
}

afterAll(() => {
  if (timings.length > 0) {
    const sorted = [...timings].sort((a, b) => a - b);
    console.log(
      `task-start → first Messages API request (ms): ${sorted.join(", ")}; median ${sorted[Math.floor(sorted.length / 2)]}`,
    );
  }
});
