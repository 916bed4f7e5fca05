// Runs `npm run demo` the way package.json says (node scripts/demo.js) in a process of its own, and reads
// what it prints: the addresses, the one-time links, the key and port to log in with, the `export` lines.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/config.ts";

export interface DemoProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

export interface DemoPrinted {
  url: string;
  personLink: string;
  adminLink: string;
  slackUrl: string;
  key: string;
  adminKey: string;
  sshPort: number;
  dataDir: string;
  exports: Record<string, string>;
}

/** `npm run demo -- <args>` with `env` (nothing else of this process's environment but PATH and HOME). */
export function runDemo(args: string[], env: Record<string, string> = {}): DemoProcess {
  const script = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")).scripts.demo as string;
  const [tool, ...rest] = script.split(" ");
  const command = tool === "node" ? process.execPath : join(PROJECT_ROOT, "node_modules/.bin", tool ?? "");
  const child = spawn(command, [...rest, ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the demo's banner and reads it. */
export async function printed(demo: DemoProcess, timeoutMs: number): Promise<DemoPrinted> {
  const deadline = Date.now() + timeoutMs;
  while (!/\nLog: /.test(demo.stdout())) {
    if (demo.child.exitCode !== null) throw new Error(`the demo exited: ${demo.stderr()}`);
    if (Date.now() > deadline)
      throw new Error(`no banner within ${timeoutMs} ms: ${demo.stdout()}${demo.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const text = demo.stdout();
  const find = (pattern: RegExp) => pattern.exec(text)?.[1] ?? "";
  const links = [...text.matchAll(/(http:\/\/127\.0\.0\.1:\d+\/web\/sign-in\?token=\S+)/g)].map(
    (m) => m[1] ?? "",
  );
  const exports = Object.fromEntries(
    [...text.matchAll(/^ {2}export (\w+)=(\S+)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]),
  );
  return {
    url: find(/Dashboard: +(http:\/\/127\.0\.0\.1:\d+)/),
    personLink: links[0] ?? "",
    adminLink: links[1] ?? "",
    slackUrl: find(/(http:\/\/127\.0\.0\.1:\d+\/demo\/slack)/),
    key: find(/ssh -i (\S+) -p \d+ claude@<ip>/),
    adminKey: find(/for a machine shared with them: (\S+)\)/),
    sshPort: Number(find(/ssh -i \S+ -p (\d+) claude@<ip>/)),
    dataDir: find(/Data: (\S+)/),
    exports,
  };
}
