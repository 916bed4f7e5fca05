/** Where core says what it did; the entry points decide how it is written. */
export interface Logger {
  /** Detail for finding a fault (CCC_LOG_LEVEL=debug); loggers without it drop these lines. */
  debug?(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
