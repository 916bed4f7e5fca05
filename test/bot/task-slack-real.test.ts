// Issue 22 through Slack with the real Claude Code (test/bot/task-slack-real-world.ts): a mention asks, the
// thread is answered at once, ONE status message is edited in place while the real claude edits and commits
// on the pool machine, and the end is the pull request with the summary, the diff stat and the cost; the
// person's words reach the model as they meant them through Slack's escaping; no change means no PR.
import { afterEach, describe, expect, it } from "vitest";
import { dollars, TASK_ACTIONS } from "../../src/render/block-kit/task-blocks.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { git } from "../helpers/git-repos.ts";
import { API_KEY, GH_TOKEN } from "../tasks/flow-world.ts";
import { ALICE } from "./bot-harness.ts";
import {
  BOT,
  CHANNEL,
  click,
  editAndCommit,
  graceShown,
  heldTurn,
  mention,
  processesUnder,
  type SlackTaskWorld,
  startSlackTaskWorld,
  statusIn,
  sweepPastGrace,
  taskOf,
  threadMessages,
  until,
} from "./task-slack-real-world.ts";

let world: SlackTaskWorld | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

/** The text of the last user message of a request to the model (what Claude Code sent as the prompt). */
function promptSent(body: Record<string, unknown>): string {
  const messages = body.messages as { role: string; content: string | { type: string; text?: string }[] }[];
  const first = messages.find((m) => m.role === "user");
  const content = first?.content ?? "";
  return typeof content === "string"
    ? content
    : content
        .filter((c) => c.type === "text")
        .map((c) => c.text ?? "")
        .join("\n");
}

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "tasks through Slack, real claude",
  () => {
    it("a mention: the thread answered at once, one status message edited in place, the PR at the end", async () => {
      const w = await startSlackTaskWorld();
      world = w;
      const [write, commit] = editAndCommit(w.repoDir, "NOTES.md", "Notes\n", "Add notes");
      // The commit waits (a model still thinking) until the status message showed the Write.
      const held = heldTurn(commit);
      w.api.script(write, held.turn, {
        text: "I added NOTES.md with a heading and committed it.",
      });

      const sentAt = Date.now();
      const asked = mention(w, ALICE, `<@${BOT}> in acme/app: add a NOTES.md`);
      const status = await statusIn(w, asked);
      const post = w.slack.calls("chat.postMessage").find((c) => c.body.thread_ts === asked);
      // Answered in the thread within Slack's 3 s.
      expect((post?.at ?? Number.POSITIVE_INFINITY) - sentAt).toBeLessThan(3_000);
      expect(status.text).toContain("Getting a machine ready for acme/app");
      const task = await waitForState(() => taskOf(w, asked, status.ts), 10_000, "the task recorded");

      const working = await until(w, status.ts, "the Write in the status message", (s) =>
        s.includes("Write NOTES.md"),
      );
      expect(working).toContain("Working on `acme/app`: Claude Code is working");
      expect(working).toContain("1 file: `NOTES.md`");
      expect(working).toMatch(/\d+ turns? · \d+ s/);
      expect(working).toContain(TASK_ACTIONS.cancel);
      expect(working).toContain(TASK_ACTIONS.keep);
      expect(working).toContain(TASK_ACTIONS.shell);
      held.open();

      const done = await until(w, status.ts, "the pull request", (s) => s.includes("Done:"));
      expect(done).toContain(`<${w.t.gh.url}/acme/app/pull/1|pull request> on \`acme/app\``);
      expect(done).toContain("I added NOTES.md with a heading and committed it.");
      expect(done).toContain("NOTES.md | 1 +");
      const ended = w.bot.bot.deps.store.tasks.get(task.id);
      expect(Number(ended?.costUsd)).toBeGreaterThan(0);
      expect(done).toContain(dollars(Number(ended?.costUsd)));
      // The real claude ran the tools: the Write, then the commit through its Bash tool.
      const [pull] = w.t.gh.pulls;
      expect(pull).toMatchObject({
        repo: "acme/app",
        base: "main",
        head: `ccc/${task.id}`,
        title: "add a NOTES.md",
      });
      expect(git(["--git-dir", w.t.bare("app"), "show", `ccc/${task.id}:NOTES.md`])).toBe("Notes\n");
      expect(git(["--git-dir", w.t.bare("app"), "log", "-1", "--format=%s", `ccc/${task.id}`]).trim()).toBe(
        "Add notes",
      );
      expect(w.api.requests).toHaveLength(3);
      expect(w.api.problems).toEqual([]);

      // Not kept: the machine waits out its grace (CCC_TASK_GRACE_MINUTES) and the result says until when;
      // the lifecycle's sweep past it deletes it, and the thread says so; nothing is left behind.
      await graceShown(w, status.ts);
      await sweepPastGrace(w);
      const gone = await until(w, status.ts, "the machine deleted", (s) => s.includes("deleted."));
      expect(gone).toContain(`Machine \`${ended?.instanceId}\` deleted.`);
      expect(gone).not.toContain(TASK_ACTIONS.cancel);
      expect(w.bot.bot.deps.store.get(ended?.instanceId ?? "")?.status).toBe("deleted");
      expect(w.t.w.h.strayServers()).toEqual([]);
      expect(processesUnder(w.t.u.dir)).toEqual([]);
      // One message in the thread, edited in place (several versions), at most once a second.
      expect(threadMessages(w, asked)).toHaveLength(1);
      expect(w.slack.messages().find((m) => m.ts === status.ts)?.history.length).toBeGreaterThan(2);
      const edits = w.slack.calls("chat.update").filter((c) => c.body.channel === CHANNEL);
      for (let i = 1; i < edits.length; i++) {
        expect((edits[i]?.at ?? 0) - (edits[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
      }
      const all = JSON.stringify(w.slack.calls());
      expect(all).not.toContain(API_KEY);
      expect(all).not.toContain(GH_TOKEN);
    }, 180_000);

    it("the words typed in Slack reach the model as the person meant them, through Slack's escaping", async () => {
      const w = await startSlackTaskWorld({ turns: [{ text: "Nothing to do." }] });
      world = w;
      w.slack.setUser("U0BOB", { name: "bob", displayName: "Bob" });
      // As Slack sends it: &, < and > escaped, a person and links wrapped in <…>.
      const typed = [
        `Don't touch "login" or \`auth.ts\`; run $(whoami) && echo 'a < b > c'`,
        `  ask <@U0BOB> (he wrote <http://example.com/a?x=1&amp;y=2|example.com/a?x=1&amp;y=2>)`,
        "",
        `see <https://docs.test/guide|the guide> &amp;&amp; keep \\n literal`,
      ].join("\n");
      const asked = mention(
        w,
        ALICE,
        `<@${BOT}> in acme/app: ${typed.replace("'a < b > c'", "'a &lt; b &gt; c'")}`,
      );
      const status = await statusIn(w, asked);
      await until(w, status.ts, "the end", (s) => s.includes("No change"));
      const meant = [
        `Don't touch "login" or \`auth.ts\`; run $(whoami) && echo 'a < b > c'`,
        "  ask @Bob (he wrote example.com/a?x=1&y=2)",
        "",
        "see the guide (https://docs.test/guide) && keep \\n literal",
      ].join("\n");
      expect(w.api.requests[0]).toBeDefined();
      expect(promptSent(w.api.requests[0]?.body ?? {})).toContain(meant);
      expect(w.api.problems).toEqual([]);
    }, 180_000);

    it("no change: no pull request, and the thread says so", async () => {
      const w = await startSlackTaskWorld({
        turns: [
          { toolUse: { name: "Bash", input: { command: "git status --short", description: "Look" } } },
          { text: "The login test is fine as it is; I changed nothing." },
        ],
      });
      world = w;
      const asked = mention(w, ALICE, `<@${BOT}> in acme/app: check the login test`);
      const status = await statusIn(w, asked);
      const shown = await until(w, status.ts, "no change", (s) => s.includes("No change"));
      expect(shown).toContain("Claude Code changed nothing in `acme/app`, so there is no pull request.");
      expect(shown).toContain("The login test is fine as it is; I changed nothing.");
      expect(shown).not.toContain("pull request>");
      expect(w.t.gh.pulls).toEqual([]);
      const task = taskOf(w, asked, status.ts);
      expect(task?.status).toBe("no_change");
      expect(git(["--git-dir", w.t.bare("app"), "branch", "--list", `ccc/${task?.id}`])).toBe("");
      // Unkept, in its grace: Delete now deletes it at once.
      await graceShown(w, status.ts);
      await click(w, ALICE, TASK_ACTIONS.deleteNow, task?.id ?? "", status.ts);
      await until(w, status.ts, "the machine deleted", (s) => s.includes("deleted."));
      expect(w.bot.bot.deps.store.get(task?.instanceId ?? "")?.status).toBe("deleted");
      expect(w.t.w.h.strayServers()).toEqual([]);
      expect(w.api.problems).toEqual([]);
    }, 180_000);
  },
);
