import { spawnSync } from "node:child_process";
import { readFileSync, readSync } from "node:fs";

/**
 * A secret for `ccc secret set` / `ccc secrets rekey`: standard input when it is a pipe or a file,
 * else a prompt on the terminal with echo off (stty), so the value is in no argument, history or screen.
 */
export function readSecretFromTerminal(prompt: string): string {
  if (!process.stdin.isTTY) return readFileSync(0, "utf8");
  process.stderr.write(prompt);
  const stty = (arg: string) => spawnSync("stty", [arg], { stdio: ["inherit", "ignore", "ignore"] });
  stty("-echo");
  try {
    const bytes: number[] = [];
    const one = Buffer.alloc(1);
    for (;;) {
      let n: number;
      try {
        n = readSync(0, one, 0, 1, null);
      } catch (error) {
        if ((error as { code?: string }).code === "EAGAIN") continue;
        throw error;
      }
      if (n === 0 || one[0] === 0x0a || one[0] === 0x0d) break;
      bytes.push(one[0] as number);
    }
    return Buffer.from(bytes).toString("utf8");
  } finally {
    stty("echo");
    process.stderr.write("\n");
  }
}
