import type { LogLevel } from "../config.ts";
import type { Logger } from "../core/ports/logger.ts";

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** One JSON object per line on stderr: what journald and log shippers read; lines below `level` are dropped. */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
  level: LogLevel = "info",
): Logger & { debug(message: string, fields?: Record<string, unknown>): void } {
  const entry = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (RANK[at] < RANK[level]) return;
    write(`${JSON.stringify({ at: new Date().toISOString(), level: at, message, ...fields })}\n`);
  };
  return { debug: entry("debug"), info: entry("info"), warn: entry("warn"), error: entry("error") };
}
