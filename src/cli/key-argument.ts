import { readFileSync, statSync } from "node:fs";
import { UserError } from "../core/errors.ts";
import { MAX_SSH_KEY_INPUT_BYTES } from "../core/ssh-key/ssh-key.ts";
import type { CliIo } from "./io.ts";

/** An option that takes a file, `-` for standard input, or the text itself (`--ssh-key`). */
export function readFileOrText(flag: string, value: string, io: CliIo, home: string | undefined): string {
  if (value === "-") return io.readStdin();
  const path = value.startsWith("~/") ? `${home ?? ""}${value.slice(1)}` : value;
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw argumentError(flag, value, "it is a directory");
    size = stat.size;
  } catch (error) {
    if (error instanceof UserError) throw error;
    // Not a file: key text has a space between its type and its data (a file name rarely does).
    if (/\s/.test(value.trim())) return value;
    throw argumentError(flag, value, "there is no such file");
  }
  if (size > MAX_SSH_KEY_INPUT_BYTES) {
    throw argumentError(flag, value, "it is larger than a public key can be (16 KB)");
  }
  return readFileSync(path, "utf8");
}

function argumentError(flag: string, value: string, why: string): UserError {
  return new UserError(
    `${flag} ${value}: ${why}. Give a .pub file, - for standard input, or the key itself.`,
    {
      field: "sshKey",
    },
  );
}
