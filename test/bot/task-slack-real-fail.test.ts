// Issue 22 through Slack with the real Claude Code (test/bot/task-slack-real-world.ts): a task that fails says
// which way in its thread's status message, with its last events: the turn cap (the real claude's
// --max-turns, from CCC_TASK_MAX_TURNS, while the model keeps calling tools) and an error from the API.
import { afterEach, describe, expect, it } from "vitest";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { ALICE } from "./bot-harness.ts";
import {
  BOT,
  graceShown,
  mention,
  processesUnder,
  type SlackTaskWorld,
  startSlackTaskWorld,
  statusIn,
  sweepPastGrace,
  taskOf,
  until,
} from "./task-slack-real-world.ts";

/** A failure leaves the machine its grace (CCC_TASK_GRACE_MINUTES): the result says so, and the lifecycle's
 * sweep past it deletes the machine, which the thread then says. */
async function afterGrace(w: SlackTaskWorld, ts: string): Promise<void> {
  await graceShown(w, ts);
  await sweepPastGrace(w);
  await until(w, ts, "the machine deleted", (s) => s.includes("deleted."));
}

let world: SlackTaskWorld | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

const bash = (command: string) => ({ toolUse: { name: "Bash", input: { command, description: command } } });

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "failed tasks in Slack",
  () => {
    it("the turn cap: the thread says so, with the last events, and the machine is deleted", async () => {
      const w = await startSlackTaskWorld({
        env: { CCC_TASK_MAX_TURNS: "2" },
        // The model would go on for ever; the cap stops it after two turns.
        turns: [bash("echo one"), bash("echo two"), bash("echo three"), bash("echo four")],
      });
      world = w;
      const asked = mention(w, ALICE, `<@${BOT}> in acme/app: keep going`);
      const status = await statusIn(w, asked);
      const failed = await until(w, status.ts, "the failure", (s) => s.includes("Failed"));
      expect(failed).toContain(
        "Failed on `acme/app`: Claude Code reached the turn cap (2 turns) before it finished.",
      );
      expect(failed).toContain("Last events:");
      expect(failed).toContain("Bash: echo two");
      expect(failed).toContain("error_max_turns");
      // The turns shown are the ones taken, not more than the cap.
      expect(failed).toContain(" · 2 turns · ");
      const task = taskOf(w, asked, status.ts);
      expect(task).toMatchObject({ status: "failed", failureCode: "turn_cap", maxTurns: 2 });
      expect(w.api.requests).toHaveLength(2);
      expect(w.t.gh.pulls).toEqual([]);
      await afterGrace(w, status.ts);
      expect(w.t.w.h.strayServers()).toEqual([]);
      expect(processesUnder(w.t.u.dir)).toEqual([]);
    }, 180_000);

    it("an error from the API: the thread says Claude Code stopped with an error, with the last events", async () => {
      const w = await startSlackTaskWorld({
        turns: [
          bash("echo looking"),
          { error: { status: 500, type: "api_error", message: "Internal server error (stand-in)" } },
        ],
      });
      world = w;
      const asked = mention(w, ALICE, `<@${BOT}> in acme/app: fix it`);
      const status = await statusIn(w, asked);
      const failed = await until(w, status.ts, "the failure", (s) => s.includes("Failed"));
      expect(failed).toContain("Failed on `acme/app`: Claude Code stopped with an error:");
      expect(failed).toContain("API Error: 500 Internal server error (stand-in)");
      expect(failed).not.toContain("..");
      expect(failed).toContain("Last events:");
      expect(failed).toContain("Bash: echo looking");
      expect(taskOf(w, asked, status.ts)).toMatchObject({ status: "failed", failureCode: "api_error" });
      expect(w.t.gh.pulls).toEqual([]);
      await afterGrace(w, status.ts);
      expect(w.t.w.h.strayServers()).toEqual([]);
      expect(w.api.problems).toEqual([]);
    }, 180_000);
  },
);
