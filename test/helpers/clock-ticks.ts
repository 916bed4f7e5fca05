import cron from "node-cron";
import type { TickSource } from "../../src/lifecycle/ticks.ts";
import type { FakeClock } from "./fake-clock.ts";

type Fields = ReturnType<typeof cron.parse>;

/**
 * The scheduler's ticks, driven by a FakeClock: a move of the clock that passes one or more times of
 * an expression ticks it once (node-cron, too, runs a stalled task once rather than catching up on
 * every missed time). Times are matched in local time, as node-cron does without a `timezone`.
 */
export function clockTicks(clock: FakeClock): TickSource {
  return {
    validate: (expression) => cron.validate(expression),
    schedule: (expression, tick, { timezone }) => {
      if (timezone) throw new Error("clockTicks matches local time only; leave `timezone` out in tests");
      const fields = cron.parse(expression);
      const unwatch = clock.watch((from, to) => {
        if (passes(fields, from, to)) tick();
      });
      return { stop: () => void unwatch() };
    },
  };
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Whether a time the fields name lies in (from, to]. */
function passes(fields: Fields, from: number, to: number): boolean {
  const first = Math.floor(from / SECOND) * SECOND + SECOND;
  let minute = Math.floor(first / MINUTE) * MINUTE;
  while (minute <= to) {
    const d = new Date(minute);
    if (!matchesDay(fields, d) || !fields.hour.includes(d.getHours())) {
      // Skip to the next whole hour (local, so step from this minute's own offset into the hour).
      minute += HOUR - d.getMinutes() * MINUTE;
      continue;
    }
    if (fields.minute.includes(d.getMinutes())) {
      for (const s of fields.second) {
        const at = minute + s * SECOND;
        if (at >= first && at <= to) return true;
      }
    }
    minute += MINUTE;
  }
  return false;
}

function matchesDay(fields: Fields, d: Date): boolean {
  return (
    fields.month.includes(d.getMonth() + 1) &&
    fields.dayOfMonth.includes(d.getDate()) &&
    fields.dayOfWeek.includes(d.getDay())
  );
}
