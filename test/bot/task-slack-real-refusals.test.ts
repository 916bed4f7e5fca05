// Issue 22 through Slack (test/bot/task-slack-real-world.ts, the pool left empty so that an accepted task
// would have to create a server): asks refused in the thread before anything is spent — no server created
// at the cloud, no task recorded, the model never asked, no secret echoed: no Claude credential, a private
// repository without a token, over CCC_MAX_CONCURRENT_TASKS_PER_USER, and CCC_TASKS=false.
import { afterEach, describe, expect, it } from "vitest";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { API_KEY, GH_TOKEN } from "../tasks/flow-world.ts";
import { ALICE, answerShown } from "./bot-harness.ts";
import {
  BOT,
  CHANNEL,
  mention,
  type SlackTaskWorld,
  type SlackTaskWorldOptions,
  startSlackTaskWorld,
  statusIn,
  until,
} from "./task-slack-real-world.ts";

let world: SlackTaskWorld | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

async function coldWorld(options: SlackTaskWorldOptions = {}): Promise<SlackTaskWorld> {
  world = await startSlackTaskWorld({ warm: false, ...options });
  return world;
}

/** The ask by mention, and what its thread's one message ends up saying. */
async function refusedAsk(w: SlackTaskWorld, repo: string, expected: string): Promise<string> {
  const asked = mention(w, ALICE, `<@${BOT}> in ${repo}: fix the login test`);
  const status = await statusIn(w, asked);
  const shown = await until(w, status.ts, "the refusal", (s) => s.includes(":warning:"));
  expect(shown).toContain(expected);
  return shown;
}

/** Nothing spent: no server asked for, no task recorded, the model never called, no secret in Slack. */
function expectNothingSpent(w: SlackTaskWorld, tasksBefore = 0): void {
  const created = w.t.w.h.cloud.requests.filter((r) => r.method === "POST" && r.path === "/servers");
  expect(created).toEqual([]);
  expect(w.t.w.h.cloud.servers()).toEqual([]);
  expect(w.bot.bot.deps.store.tasks.list(ALICE)).toHaveLength(tasksBefore);
  expect(w.api.requests).toEqual([]);
  const all = JSON.stringify(w.slack.calls());
  expect(all).not.toContain(API_KEY);
  expect(all).not.toContain(GH_TOKEN);
}

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "asks refused in Slack",
  () => {
    it("no Claude credential", async () => {
      const w = await coldWorld({ aliceSecrets: { GITHUB_TOKEN: GH_TOKEN } });
      await refusedAsk(w, "acme/app", "A task needs your Claude credential and you have none");
      expectNothingSpent(w);
    }, 60_000);

    it("a private repository without a token", async () => {
      const w = await coldWorld({ aliceSecrets: { ANTHROPIC_API_KEY: API_KEY } });
      const shown = await refusedAsk(w, "acme/private", "GITHUB_TOKEN");
      expect(shown).toContain("acme/private");
      expectNothingSpent(w);
    }, 60_000);

    it("over CCC_MAX_CONCURRENT_TASKS_PER_USER", async () => {
      const w = await coldWorld({ env: { CCC_MAX_CONCURRENT_TASKS_PER_USER: "1" } });
      // One task of Alice's still going (recorded as the verb records it; its machine is not the point here).
      const deps = w.bot.bot.deps;
      deps.store.tasks.insertUnder(
        {
          id: "tsk-aaaa2222",
          owner: ALICE,
          actor: ALICE,
          repo: "acme/app",
          repoUrl: `${w.t.gh.url}/acme/app.git`,
          repoName: "app",
          repoPath: "acme/app",
          forge: "github",
          prompt: "the first one",
          branch: "ccc/tsk-aaaa2222",
          maxTurns: 50,
          maxMinutes: 60,
          slack: null,
          parentId: null,
          createdAt: deps.clock.now(),
        },
        1,
      );
      deps.store.tasks.update("tsk-aaaa2222", { status: "running" }, deps.clock.now());
      const shown = await refusedAsk(w, "acme/app", "You have 1 task running, the most at once here");
      expect(shown).toContain("Cancel button");
      expectNothingSpent(w, 1);
    }, 60_000);

    it("CCC_TASKS=false, by mention and by /ccc task", async () => {
      const w = await coldWorld({ env: { CCC_TASKS: "false" } });
      await refusedAsk(w, "acme/app", "Tasks are turned off here (the operator set CCC_TASKS=false).");
      // /ccc task answers the asker alone: no thread is posted in the channel for it.
      const before = w.slack.messages().length;
      const url = w.slack.responseUrl();
      const res = await w.send.command(ALICE, "task acme/app fix it", url, { channel: CHANNEL });
      expect(res.status).toBe(200);
      const said = await answerShown(w.slack, res.json, url, "task acme/app fix it");
      expect(said).toContain("Tasks are turned off here (the operator set CCC_TASKS=false).");
      expect(w.slack.messages().slice(before)).toEqual([]);
      expectNothingSpent(w);
    }, 60_000);
  },
);
