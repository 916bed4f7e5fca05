// Issue 22 on GitLab through the Slack door, with the real Claude Code (test/bot/task-slack-real-world.ts with
// the GitLab stand-in): a mention naming a GitLab project's URL asks, the real claude writes and commits on the
// pool machine, ccc pushes as `oauth2` with the person's GITLAB_TOKEN and opens the merge request, and the
// thread says "merge request" throughout — never "pull request" — with its link. The CLI's run of the same is
// test/tasks/task-gitlab-e2e.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { git } from "../helpers/git-repos.ts";
import { GL_TOKEN } from "../tasks/flow-world.ts";
import { ALICE } from "./bot-harness.ts";
import {
  BOT,
  editAndCommit,
  graceShown,
  mention,
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

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "a GitLab task through Slack, real claude",
  () => {
    it("@ccc in <gitlab url>: the real claude commits, the thread ends with the merge request's link and says merge request", async () => {
      const w = await startSlackTaskWorld({ gitlab: true });
      world = w;
      const gl = w.t.gl;
      if (!gl) throw new Error("no GitLab stand-in");
      w.api.script(...editAndCommit(w.repoDir, "CHANGELOG.md", "Fixed\n", "Changelog"), {
        text: "I added CHANGELOG.md and committed it.",
      });

      // Slack sends a pasted address as a link: `<http://…>`.
      const asked = mention(w, ALICE, `<@${BOT}> in <${gl.url}/acme/app>: add a changelog`);
      const status = await statusIn(w, asked);
      const task = await waitForState(() => taskOf(w, asked, status.ts), 10_000, "the task recorded");
      expect(task).toMatchObject({ forge: "gitlab", repoPath: "acme/app", prompt: "add a changelog" });

      const link = `${gl.url}/acme/app/-/merge_requests/1`;
      const done = await until(w, status.ts, "the merge request", (s) => s.includes("Done:"));
      expect(done).toContain(`<${link}|merge request>`);
      expect(done).toContain("I added CHANGELOG.md and committed it.");
      expect(done).toContain("CHANGELOG.md | 1 +");
      expect(w.bot.bot.deps.store.tasks.get(task.id)).toMatchObject({ status: "succeeded", prUrl: link });

      // GitLab got the branch (as oauth2 with Alice's token) and the merge request; GitHub was never asked.
      expect(gl.mergeRequests).toMatchObject([
        {
          project: "acme/app",
          iid: 1,
          sourceBranch: `ccc/${task.id}`,
          targetBranch: "main",
          token: GL_TOKEN,
        },
      ]);
      expect(git(["--git-dir", w.t.bare("app"), "show", `ccc/${task.id}:CHANGELOG.md`])).toBe("Fixed\n");
      expect(gl.calls.filter((c) => c.path.endsWith("/git-receive-pack"))).toEqual([
        expect.objectContaining({ method: "POST", via: "basic", token: GL_TOKEN, status: 200 }),
      ]);
      expect(w.t.gh.calls).toEqual([]);
      expect(w.t.gh.pulls).toEqual([]);

      // Past the grace the machine goes, and the thread says so.
      await graceShown(w, status.ts);
      await sweepPastGrace(w);
      await until(w, status.ts, "the machine deleted", (s) => s.includes("deleted."));

      // Every version of every message in the thread says merge request, never pull request; no token.
      const everything = threadMessages(w, asked)
        .flatMap((m) => m.history)
        .map((v) => `${v.text}\n${JSON.stringify(v.blocks)}`)
        .join("\n");
      expect(everything).toContain("merge request");
      expect(everything.toLowerCase()).not.toContain("pull request");
      expect(everything).not.toContain(GL_TOKEN);
      expect(JSON.stringify(w.logs)).not.toContain(GL_TOKEN);
      expect(gl.problems).toEqual([]);
      expect(w.api.problems).toEqual([]);
      expect(w.t.w.h.strayServers()).toEqual([]);
    }, 180_000);
  },
);
