// Issue 22 through Slack with the real Claude Code (test/bot/task-slack-real-world.ts): a reply in the thread
// after the task's machine is gone continues on a NEW machine (the pool refilled meanwhile) from the
// pushed branch `ccc/<id>`: the clone there is on that branch with the first commit, and the reply's
// commit goes onto the same branch and pull request.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { git } from "../helpers/git-repos.ts";
import { ALICE } from "./bot-harness.ts";
import {
  BOT,
  editAndCommit,
  mention,
  replyIn,
  type SlackTaskWorld,
  startSlackTaskWorld,
  statusIn,
  taskOf,
  until,
} from "./task-slack-real-world.ts";

let world: SlackTaskWorld | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "a reply after the machine is gone",
  () => {
    it("continues on a new machine from the pushed branch, onto the same pull request", async () => {
      // No grace: the machine goes the moment the task ends (CCC_TASK_GRACE_MINUTES=0).
      const w = await startSlackTaskWorld({ env: { CCC_TASK_GRACE_MINUTES: "0" } });
      world = w;
      w.api.script(...editAndCommit(w.repoDir, "NOTES.md", "Notes\n", "Add notes"), {
        text: "Added NOTES.md.",
      });
      const asked = mention(w, ALICE, `<@${BOT}> in acme/app: add notes`);
      const status = await statusIn(w, asked);
      await until(w, status.ts, "the machine deleted", (s) => s.includes("deleted."));
      const first = taskOf(w, asked, status.ts);
      expect(first).toMatchObject({ status: "succeeded", branch: `ccc/${first?.id}` });
      const firstMachine = first?.instanceId ?? "";
      expect(w.bot.bot.deps.store.get(firstMachine)?.status).toBe("deleted");

      // The pool is refilled meanwhile (as the lifecycle would): the reply gets that new machine.
      const second = await w.t.warmMachine();
      const repo = `${second.root}/home/claude/work/app`;
      w.api.script(
        {
          toolUse: {
            name: "Bash",
            input: { command: "git branch --show-current && git log --format=%s", description: "Where am I" },
          },
        },
        ...editAndCommit(repo, "MORE.md", "More\n", "Add more"),
        { text: "Added MORE.md on top." },
      );
      replyIn(w, ALICE, asked, "add more notes");
      const next = await statusIn(w, asked, 1);
      const done = await until(w, next.ts, "the reply's end", (s) => s.includes("Done"));
      expect(done).toContain(`<${w.t.gh.url}/acme/app/pull/1|pull request>`);
      const reply = taskOf(w, asked, next.ts);
      expect(reply).toMatchObject({ parentId: first?.id, branch: first?.branch, status: "succeeded" });
      expect(reply?.instanceId).not.toBe(firstMachine);
      expect(w.bot.bot.deps.store.get(reply?.instanceId ?? "")?.ipv4).toBe(second.ip);
      // A new session on the new machine (nothing to resume there), which found the first commit on the branch.
      expect(reply?.sessionId).not.toBe(first?.sessionId);
      const looked = JSON.stringify(w.api.requests[4]?.body.messages);
      // (The clone is shallow: its log is the branch's tip, the first task's commit.)
      expect(looked).toContain(`"content":"ccc/${first?.id}\\nAdd notes"`);
      // The branch has both commits; still one pull request.
      expect(git(["--git-dir", w.t.bare("app"), "log", "--format=%s", `ccc/${first?.id}`]).trim()).toBe(
        "Add more\nAdd notes\ncommit 1",
      );
      expect(w.t.gh.pulls).toHaveLength(1);
      // The reply knew its branch's pull request (the first task's): it asked GitHub for no new one.
      expect(w.t.gh.calls.filter((c) => c.method === "POST" && c.path.endsWith("/pulls"))).toHaveLength(1);
      // The reply was never drawn on the first task's message.
      const firstHistory = JSON.stringify(w.slack.messages().find((m) => m.ts === status.ts)?.history);
      expect(firstHistory).not.toContain("Added MORE.md on top.");
      // The new machine's run knew the branch's base (the remote's default), not the branch itself.
      const base = readFileSync(join(second.root, "var/lib/ccc/tasks", reply?.id ?? "", "base"), "utf8");
      expect(base.trim()).toBe("main");
      await until(w, next.ts, "the second machine deleted", (s) => s.includes("deleted."));
      expect(w.t.w.h.strayServers()).toEqual([]);
      expect(w.api.problems).toEqual([]);
    }, 180_000);
  },
);
