// Issue 22 through Slack with the real Claude Code (test/bot/task-slack-real-world.ts): Cancel on a task held
// mid-run (the stand-in holds the model's answer): the owner may, someone else is refused, an admin may;
// the unit is stopped on the machine (no claude process left), the machine deleted, the thread says so.
import { afterEach, describe, expect, it } from "vitest";
import { TASK_ACTIONS } from "../../src/render/block-kit/task-blocks.ts";
import type { PostedMessage } from "../../stand-ins/fake-slack.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { ADMIN, ALICE, BOB } from "./bot-harness.ts";
import {
  answerAt,
  BOT,
  CHANNEL,
  click,
  heldTurn,
  mention,
  processesUnder,
  type SlackTaskWorld,
  startSlackTaskWorld,
  statusIn,
  taskOf,
  until,
} from "./task-slack-real-world.ts";

let world: SlackTaskWorld | null = null;
let openHeld = () => {};
afterEach(async () => {
  openHeld();
  await world?.close();
  world = null;
});

const bash = (command: string) => ({ toolUse: { name: "Bash", input: { command, description: command } } });

/** A world whose model runs one command, then thinks until the test is over. */
async function heldWorld(): Promise<SlackTaskWorld> {
  const held = heldTurn({ text: "never seen" });
  openHeld = held.open;
  const w = await startSlackTaskWorld({ turns: [bash("echo started"), held.turn] });
  world = w;
  return w;
}

/** Cancelled: no process of the run is left on the machine, the machine is deleted, the thread says so. */
async function expectStopped(w: SlackTaskWorld, status: PostedMessage, by: string): Promise<void> {
  const shown = await until(w, status.ts, "cancelled", (s) => s.includes("Cancelled"));
  expect(shown).toContain(`Cancelled on \`acme/app\` by <@${by}>.`);
  expect(shown).not.toContain(TASK_ACTIONS.cancel);
  await waitForState(() => processesUnder(w.t.u.dir).length === 0, 30_000, "the run's processes to end");
  const task = w.bot.bot.deps.store.tasks.list(ALICE)[0];
  expect(task).toMatchObject({ status: "cancelled" });
  await until(w, status.ts, "the machine deleted", (s) =>
    s.includes(`Machine \`${task?.instanceId}\` deleted.`),
  );
  expect(w.bot.bot.deps.store.get(task?.instanceId ?? "")?.status).toBe("deleted");
  expect(w.t.w.h.strayServers()).toEqual([]);
  expect(w.t.gh.pulls).toEqual([]);
  // The model was asked twice (the command, then the held answer), never again.
  expect(w.api.requests).toHaveLength(2);
}

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("Cancel in Slack", () => {
  it("/ccc task, then the owner cancels it mid-run: the unit stops, the machine goes", async () => {
    const w = await heldWorld();
    const res = await w.send.command(
      ALICE,
      "task acme/app take your time\n  and `care` &amp; $(no) shell",
      w.slack.responseUrl(),
      {
        channel: CHANNEL,
      },
    );
    expect(res.status).toBe(200);
    const parent = await w.slack.waitFor(() =>
      w.slack.messages().find((m) => m.channel === CHANNEL && m.threadTs === undefined),
    );
    expect(parent.text).toBe(`<@${ALICE}> asked for a task on acme/app`);
    const status = await statusIn(w, parent.ts);
    await until(w, status.ts, "the command in the status message", (s) => s.includes("Bash: echo started"));
    await waitForState(() => w.api.requests.length === 2, 60_000, "the model held mid-run");
    expect(processesUnder(w.t.u.dir).length).toBeGreaterThan(0);
    const task = taskOf(w, parent.ts, status.ts);
    // The lines after the repository reach the model as typed.
    expect(JSON.stringify(w.api.requests[0]?.body.messages)).toContain(
      JSON.stringify("take your time\n  and `care` & $(no) shell").slice(1, -1),
    );
    await click(w, ALICE, TASK_ACTIONS.cancel, task?.id ?? "", status.ts);
    await expectStopped(w, status, ALICE);
  }, 180_000);

  it("someone else's Cancel is refused; an admin's stops the task", async () => {
    const w = await heldWorld();
    const asked = mention(w, ALICE, `<@${BOT}> in acme/app: take your time`);
    const status = await statusIn(w, asked);
    await until(w, status.ts, "the command in the status message", (s) => s.includes("Bash: echo started"));
    await waitForState(() => w.api.requests.length === 2, 60_000, "the model held mid-run");
    const task = taskOf(w, asked, status.ts);
    const id = task?.id ?? "";

    const refused = await answerAt(w, await click(w, BOB, TASK_ACTIONS.cancel, id, status.ts));
    expect(refused).toContain(`${id} is not yours, so you cannot cancel it.`);
    expect(w.bot.bot.deps.store.tasks.get(id)?.status).toBe("running");
    expect(processesUnder(w.t.u.dir).length).toBeGreaterThan(0);

    await click(w, ADMIN, TASK_ACTIONS.cancel, id, status.ts);
    await expectStopped(w, status, ADMIN);
  }, 180_000);
});
