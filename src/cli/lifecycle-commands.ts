import type { Command } from "commander";
import { checkExpired, checkExpiredFailed, checkExpiredText } from "../commands/check-expired.ts";
import { instanceJson } from "../commands/instance-view.ts";
import { reconcile, reconcileFailed, reconcileText } from "../commands/reconcile.ts";
import { remind, remindFailed, remindText } from "../commands/remind.ts";
import { EXIT } from "./io.ts";
import type { CliKit } from "./kit.ts";

/** `check-expired`, `remind`, `reconcile`: the lifecycle passes, for cron or by hand. */
export function registerLifecycleCommands(program: Command, kit: CliKit): void {
  program
    .command("check-expired")
    .description("delete every machine past its expiry and tell its owner (run it from cron every minute)")
    .addOption(kit.jsonOption())
    .addHelpText(
      "after",
      "\nCrontab (without the bot):\n  * * * * * cd /path/to/ccc && (npx ccc check-expired; npx ccc remind) >> data/cron.log 2>&1",
    )
    .action(
      kit.action({ cloud: true, notifies: true }, async ({ ctx }) => {
        const summary = await checkExpired(ctx);
        kit.out(checkExpiredText(summary), {
          outcomes: summary.outcomes.map((o) => ({
            ...instanceJson(o.instance),
            error: o.error,
            retryAt: o.retryAt?.toISOString() ?? null,
          })),
          busy: summary.busy,
        });
        if (checkExpiredFailed(summary)) kit.exitCode = EXIT.failed;
      }),
    );

  program
    .command("remind")
    .description("remind owners whose machines expire within CCC_REMIND_MINUTES (run it every minute)")
    .addOption(kit.jsonOption())
    .addHelpText("after", "\nExample:\n  CCC_REMIND_MINUTES=60,15 ccc remind")
    .action(
      kit.action({ cloud: false, notifies: true }, async ({ ctx, config }) => {
        const summary = await remind(ctx, { offsets: config.lifecycle.remindMinutes });
        kit.out(
          remindText(summary),
          summary.reminders.map((r) => ({
            id: r.instance.id,
            owner: r.instance.owner,
            offsetMinutes: r.offsetMinutes,
            minutesLeft: r.minutesLeft,
            delivery: r.delivery,
          })),
        );
        if (remindFailed(summary)) kit.exitCode = EXIT.failed;
      }),
    );

  program
    .command("reconcile")
    .description(
      "compare ccc's servers at Hetzner with the store: delete orphans, close records of vanished servers, recover interrupted provisions",
    )
    .option("--dry-run", "only list what is found and what would be done")
    .addOption(kit.jsonOption())
    .addHelpText(
      "after",
      "\nExamples:\n  ccc reconcile --dry-run\n  */10 * * * * cd /path/to/ccc && npx ccc reconcile",
    )
    .action(
      kit.action({ cloud: true, notifies: true }, async ({ ctx, config }, opts: { dryRun?: boolean }) => {
        const summary = await reconcile(ctx, {
          graceMinutes: config.lifecycle.orphanGraceMinutes,
          dryRun: Boolean(opts.dryRun),
        });
        kit.out(reconcileText(summary), summary);
        if (reconcileFailed(summary)) kit.exitCode = EXIT.failed;
      }),
    );
}
