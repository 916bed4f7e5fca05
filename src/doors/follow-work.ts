import {
  ACCEPTED_STEP,
  type Shown,
  type ShownAccepted,
  type Started,
  type Viewer,
} from "../commands/command.ts";
import type { CommandContext } from "../commands/context.ts";
import { drain } from "../commands/progress.ts";
import type { DoorContext } from "./door-context.ts";

/** How the followed work ended, in plain words, for a door that shows it again (the dashboard's notice). */
export type Ended = { ok: true; text: string } | { ok: false; text: string };

/**
 * The rest of a long-running verb's work, after its door has answered: runs in the background
 * (shutdown waits for it) and follows it for the person in one message edited in place, from the
 * accepted step through each step to the result or what failed, then redraws their home view.
 * Slack's form and buttons and the dashboard all use it; a failing message never stops the work.
 */
export function followWork(
  door: DoorContext,
  ctx: CommandContext,
  verb: string,
  started: Started<ShownAccepted, Shown>,
  onEnd?: (ended: Ended) => void,
): void {
  const { accepted } = started;
  const viewer = (): Viewer => ({
    now: door.deps.clock.now(),
    actor: ctx.actor,
    sshPort: door.deps.timing.sshPort,
  });
  door.tasks.run(`${verb} ${accepted.subject}`, async () => {
    // The door's own answer (an ack, a redirect with its notice) goes first.
    await new Promise((resolve) => setImmediate(resolve));
    const silent = { show: async () => {} };
    const live = accepted.toldBySelf ? silent : door.people.live(ctx.actor.id);
    const first = accepted.progressBlocks({ step: ACCEPTED_STEP, elapsedMs: 0 }, viewer());
    if (first) void live.show(first);
    try {
      const shown = await drain(started.work, (event) => {
        const message = accepted.progressBlocks(event, viewer());
        if (message) void live.show(message);
      });
      door.log.info(`${verb} done`, { subject: accepted.subject, owner: ctx.actor.id });
      await live.show(shown.blocks(viewer()), { final: true });
      onEnd?.({ ok: !shown.failed, text: shown.text(viewer()) });
    } catch (error) {
      const message = accepted.failure(error);
      await live.show(message, { final: true });
      onEnd?.({ ok: false, text: message.text });
    }
    await door.people.refreshHome(ctx.actor.id);
  });
}

/** The rest of a long-running verb's work with nobody following it (the API's 202): a failure tells whom it must. */
export function finishUnattended(
  tasks: { run(name: string, work: () => Promise<void>): void },
  verb: string,
  started: Started<ShownAccepted, Shown>,
): void {
  tasks.run(`${verb} ${started.accepted.subject} via the API`, () =>
    drain(started.work).then(
      () => {},
      (error: unknown) => void started.accepted.failure(error),
    ),
  );
}
