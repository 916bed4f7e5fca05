// Issue 22's figure "the stand-in's reply → the thread's status message edited" (goal ≤ 1.5 s), measured end
// to end through Slack with the real Claude Code (test/bot/task-slack-real-world.ts): the model's answers
// are held, and each is let go only once the status message shows the one before, so every answer's
// latency is from the moment the stand-in sends it to the fake Slack receiving the edit that shows it.
import { afterEach, describe, expect, it } from "vitest";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { ALICE } from "./bot-harness.ts";
import {
  BOT,
  heldTurn,
  mention,
  type SlackTaskWorld,
  startSlackTaskWorld,
  statusIn,
  until,
} from "./task-slack-real-world.ts";

let world: SlackTaskWorld | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

const ROUNDS = 5;

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("the thread's pace", () => {
  it("shows each answer of the model in the status message soon after the stand-in sent it", async () => {
    const held = Array.from({ length: ROUNDS }, (_, i) =>
      heldTurn({ toolUse: { name: "Bash", input: { command: `echo step-${i}`, description: `step ${i}` } } }),
    );
    // The last answer waits too, so the final step stays in view until it is measured.
    const last = heldTurn({ text: "Done stepping." });
    const w = await startSlackTaskWorld({ turns: [...held.map((h) => h.turn), last.turn] });
    world = w;
    const asked = mention(w, ALICE, `<@${BOT}> in acme/app: step along`);
    const status = await statusIn(w, asked);
    const latencies: number[] = [];
    /** From ccc recording the model's answer to Slack receiving the edit: the Slack door's own share. */
    const doorShare: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await until(w, status.ts, `the model asked for round ${i}`, () => w.api.requests.length === i + 1);
      const sent = Date.now();
      held[i]?.open();
      await until(w, status.ts, `step ${i} shown`, (s) => s.includes(`Bash: echo step-${i}`));
      const edit = w.slack
        .calls("chat.update")
        .find((c) => c.body.ts === status.ts && JSON.stringify(c.body.blocks).includes(`echo step-${i}`));
      latencies.push((edit?.at ?? Date.now()) - sent);
      const recorded = w.bot.bot.deps.store.tasks
        .list(ALICE)
        .flatMap((t) => w.bot.bot.deps.store.tasks.events(t.id, 0, 200))
        .find((e) => e.body.includes('"assistant"') && e.body.includes(`echo step-${i}`));
      doorShare.push((edit?.at ?? Date.now()) - new Date(recorded?.at ?? 0).getTime());
    }
    last.open();
    await until(w, status.ts, "the end", (s) => s.includes("No change"));
    const sorted = [...latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    console.log(
      `stand-in reply → status message edited: median ${median} ms, max ${sorted.at(-1)} ms (${latencies.join(", ")}); of which recorded → edited: ${doorShare.join(", ")} ms`,
    );
    // The door's share: the edit goes out as soon as the channel's pace allows (one write a second).
    for (const ms of doorShare) expect(ms).toBeLessThanOrEqual(1_500);
    // End to end, a loose bound: a loaded two-core machine runs it above its 1.5 s goal at times.
    expect(median).toBeLessThan(5_000);
  }, 180_000);
});
