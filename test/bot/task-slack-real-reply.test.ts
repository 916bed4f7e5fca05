// Issue 22 through Slack with the real Claude Code (test/bot/task-slack-real-world.ts): Keep machine while the
// task runs, Open shell (the owner gets the ssh line by DM, someone else is refused), then the owner's reply
// in the thread continues the same session on the same kept machine: the real claude runs with
// `--resume <session id>` and its next request to the model carries the earlier conversation; its commit
// opens the pull request. Delete now
// ends the kept machine. After the end: an unkept machine waits out its grace (CCC_TASK_GRACE_MINUTES) and
// the sweep deletes it; Keep pressed in the grace keeps it with normal expiry.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import type { Clock } from "../../src/core/ports/clock.ts";
import { TASK_ACTIONS } from "../../src/render/block-kit/task-blocks.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { ALICE, BOB } from "./bot-harness.ts";
import {
  answerAt,
  BOT,
  click,
  editAndCommit,
  graceShown,
  heldTurn,
  mention,
  replyIn,
  type SlackTaskWorld,
  shownNow,
  startSlackTaskWorld,
  statusIn,
  taskOf,
  threadMessages,
  until,
} from "./task-slack-real-world.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The real clock, `ms` ahead: the lifecycle's sweep once a grace is over (timers stay real). */
const ahead = (ms: number): Clock => ({
  now: () => new Date(Date.now() + ms),
  sleep: (wait) => new Promise<void>((r) => setTimeout(r, wait)),
});

let world: SlackTaskWorld | null = null;
let openHeld = () => {};
afterEach(async () => {
  openHeld();
  await world?.close();
  world = null;
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "replies in a task's thread",
  () => {
    it("Keep, Open shell, and a reply resumes the same session on the same machine; Delete now ends it", async () => {
      const held = heldTurn({ text: "I looked around: the README is short." });
      openHeld = held.open;
      const w = await startSlackTaskWorld({ turns: [held.turn] });
      world = w;
      const asked = mention(w, ALICE, `<@${BOT}> in acme/app: look around`);
      const status = await statusIn(w, asked);
      await waitForState(() => w.api.requests.length === 1, 60_000, "the model asked (and held)");
      const first = taskOf(w, asked, status.ts);
      const id = first?.id ?? "";

      await click(w, ALICE, TASK_ACTIONS.keep, id, status.ts);
      await until(w, status.ts, "kept", (s) => s.includes("kept after the task"));
      const refused = await answerAt(w, await click(w, BOB, TASK_ACTIONS.shell, id, status.ts));
      expect(refused).toContain("is not yours");
      await click(w, ALICE, TASK_ACTIONS.shell, id, status.ts);
      const dm = await w.slack.waitFor(() =>
        w.slack.messages().find((m) => m.channel === "D0ALICE" && m.text.includes("ssh")),
      );
      expect(dm.text).toMatch(/ssh (-p \d+ )?claude@/);
      expect(JSON.stringify(dm.blocks)).toContain("known_hosts");
      expect(w.slack.messages().filter((m) => m.channel === "D0BOB")).toEqual([]);

      held.open();
      const ended = await until(w, status.ts, "no change", (s) => s.includes("No change"));
      expect(ended).toContain(TASK_ACTIONS.deleteNow);
      const done = w.bot.bot.deps.store.tasks.get(id);
      expect(done?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      const instanceId = done?.instanceId ?? "";
      expect(w.bot.bot.deps.store.get(instanceId)?.status).toBe("ready");

      // The owner's reply: the same session, on the same machine, with a status message of its own.
      w.api.script(...editAndCommit(w.repoDir, "README.md", "hello, and more\n", "Say more"), {
        text: "The README now says more.",
      });
      replyIn(w, ALICE, asked, "now also `update` the README &amp; say so");
      // Someone else talking in the thread starts nothing.
      replyIn(w, BOB, asked, "nice");
      const next = await statusIn(w, asked, 1);
      // Its commit goes onto the task's branch, and the pull request is opened against the first base.
      const shown = await until(w, next.ts, "the reply's end", (s) => s.includes("Done"));
      expect(shown).toContain("The README now says more.");
      expect(shown).toContain("README.md | 2 +-");
      expect(w.t.gh.pulls).toMatchObject([{ head: `ccc/${id}`, base: "main" }]);
      const reply = taskOf(w, asked, next.ts);
      expect(reply).toMatchObject({
        parentId: id,
        instanceId,
        prompt: "now also `update` the README & say so",
      });
      const doc = JSON.parse(
        readFileSync(join(w.machine?.root ?? "", "var/lib/ccc/tasks", reply?.id ?? "", "task.json"), "utf8"),
      );
      expect(doc.resumeSessionId).toBe(done?.sessionId);
      // The model's next request carries the earlier conversation: the first prompt and its own answer.
      expect(w.api.requests).toHaveLength(4);
      const conversation = JSON.stringify(w.api.requests[1]?.body.messages);
      expect(conversation).toContain("look around");
      expect(conversation).toContain("I looked around: the README is short.");
      expect(conversation).toContain("now also `update` the README & say so");
      expect(threadMessages(w, asked)).toHaveLength(2);
      expect(w.api.problems).toEqual([]);

      // Delete now, from the first status message: the kept machine goes.
      await click(w, ALICE, TASK_ACTIONS.deleteNow, id, status.ts);
      await until(w, status.ts, "the machine deleted", (s) =>
        s.includes(`Machine \`${instanceId}\` deleted. <@${ALICE}> deleted it.`),
      );
      expect(w.bot.bot.deps.store.get(instanceId)?.status).toBe("deleted");
      expect(w.t.w.h.strayServers()).toEqual([]);
    }, 180_000);

    it("after the end: a task not kept is gone once its grace is over; Keep pressed then keeps a machine with normal expiry", async () => {
      const w = await startSlackTaskWorld({
        turns: [{ text: "Nothing to change here." }, { text: "Nothing to change there." }],
      });
      world = w;
      // Not kept: the result says when the machine goes, in each reader's time zone, and offers Keep.
      const asked = mention(w, ALICE, `<@${BOT}> in acme/app: look around`);
      const status = await statusIn(w, asked);
      const ended = await graceShown(w, status.ts);
      expect(ended).toContain("No change");
      expect(ended).toContain(TASK_ACTIONS.keep);
      expect(ended).toContain(TASK_ACTIONS.deleteNow);
      const first = taskOf(w, asked, status.ts);
      const deps = w.bot.bot.deps;
      const machine = deps.store.get(first?.instanceId ?? "");
      expect(machine?.status).toBe("ready");
      expect(ended).toContain(`<!date^${Math.floor((machine?.expiresAt.getTime() ?? 0) / 1000)}^`);
      expect(
        Math.abs((machine?.expiresAt.getTime() ?? 0) - (first?.finishedAt?.getTime() ?? 0) - 10 * MINUTE),
      ).toBeLessThan(2_000);
      // The lifecycle's sweep past the grace deletes it; the message says so and the buttons answer plainly.
      await runSweep({ ...deps, clock: ahead(11 * MINUTE) });
      const gone = await until(w, status.ts, "the machine deleted", (s) =>
        s.includes(`Machine \`${machine?.id}\` deleted. The grace after the task ended.`),
      );
      expect(gone).not.toContain(TASK_ACTIONS.keep);
      expect(w.t.w.h.strayServers()).toEqual([]);
      const keepLate = await answerAt(
        w,
        await click(w, ALICE, TASK_ACTIONS.keep, first?.id ?? "", status.ts),
      );
      expect(keepLate).toContain("machine is gone already; nothing to keep.");
      const deleteLate = await answerAt(
        w,
        await click(w, ALICE, TASK_ACTIONS.deleteNow, first?.id ?? "", status.ts),
      );
      expect(deleteLate).toContain("machine is gone already; nothing to delete.");

      // Keep pressed after the end (in the grace): the machine lives on for its hours, from now.
      await w.t.warmMachine();
      const again = mention(w, ALICE, `<@${BOT}> in acme/app: look again`);
      const next = await statusIn(w, again);
      await graceShown(w, next.ts);
      const second = taskOf(w, again, next.ts);
      await click(w, ALICE, TASK_ACTIONS.keep, second?.id ?? "", next.ts);
      const kept = await until(w, next.ts, "kept", (s) => s.includes("kept after the task"));
      expect(kept).not.toContain("unless you keep it");
      const keptMachine = deps.store.get(second?.instanceId ?? "");
      const hours = keptMachine?.requestedHours ?? deps.policy.defaultHours;
      expect(Math.abs((keptMachine?.expiresAt.getTime() ?? 0) - Date.now() - hours * HOUR)).toBeLessThan(
        10_000,
      );
      await runSweep({ ...deps, clock: ahead(11 * MINUTE) });
      expect(deps.store.get(keptMachine?.id ?? "")?.status).toBe("ready");
      expect(shownNow(w, next.ts)).toContain(TASK_ACTIONS.deleteNow);
      await click(w, ALICE, TASK_ACTIONS.deleteNow, second?.id ?? "", next.ts);
      await until(w, next.ts, "the kept machine deleted", (s) =>
        s.includes(`Machine \`${keptMachine?.id}\` deleted.`),
      );
      expect(w.t.w.h.strayServers()).toEqual([]);
      expect(w.api.problems).toEqual([]);
    }, 180_000);
  },
);
