import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "../../core/ports/logger.ts";

/** Bolt's logger interface over ours; debug output (which may hold payloads) is dropped. */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  let name = "bolt";
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
  return {
    debug: () => {},
    info: (...args) => {
      if (level === LogLevel.INFO || level === LogLevel.DEBUG) log.info(text(args), { from: name });
    },
    warn: (...args) => {
      if (level !== LogLevel.ERROR) log.warn(text(args), { from: name });
    },
    error: (...args) => log.error(text(args), { from: name }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: (next) => {
      name = next;
    },
  };
}
