import type { ComposeOptions } from "../compose.ts";

/** The terminal one `ccc` run talks to: its environment, output streams and standard input. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => string;
  /** A secret typed at a terminal without echo, or standard input when it is not a terminal. */
  readSecret?: (prompt: string) => string;
  /** Test seams for the adapters; production leaves them out. */
  compose?: ComposeOptions;
}

/** 0 done, 1 failed while working, 2 refused before any work. */
export const EXIT = { ok: 0, failed: 1, refused: 2 } as const;
