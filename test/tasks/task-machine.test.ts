// The machine side of tasks end to end: the bot's SSH channel → the real sshd stand-in → the real ccc-apply's
// task mode → a transient unit (the systemd stand-ins) running the real `claude` binary as the claude user
// against the Anthropic stand-in, in a repository cloned from the GitHub stand-in, pushed back to it.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
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
});
