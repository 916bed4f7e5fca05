import { type SweepOutcome, checkExpired as sweep } from "../core/check-expired.ts";
import type { CommandContext } from "./context.ts";

export function checkExpired(ctx: CommandContext): Promise<SweepOutcome[]> {
  return sweep(ctx.deps);
}

export function checkExpiredText(outcomes: SweepOutcome[]): string {
  if (outcomes.length === 0) return "Nothing has expired.";
  return outcomes
    .map((o) =>
      o.error ? `${o.instance.id}: delete failed, will retry: ${o.error}` : `${o.instance.id}: deleted`,
    )
    .join("\n");
}
