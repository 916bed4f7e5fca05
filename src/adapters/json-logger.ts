import type { Logger } from "../core/logger.ts";

/** One JSON line per entry on stderr, for the bot's process (journald, docker logs). */
export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const entry = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    write(`${JSON.stringify({ at: new Date().toISOString(), level, message, ...fields })}\n`);
  return { info: entry("info"), warn: entry("warn"), error: entry("error") };
}
