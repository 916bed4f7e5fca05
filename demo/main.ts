// `npm run demo`: ccc on this machine only, no accounts, no network (see docs/demo.md). Reads the
// environment once here, as the other entry points do, and hands the rest explicit values.
import { appendFileSync, chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonLogger } from "../src/adapters/json-logger.ts";
import { sshdMissingReason } from "../stand-ins/sshd.ts";
import { type Demo, startDemo } from "./demo-world.ts";
import { demoRefusal } from "./refusal.ts";

const USAGE = `usage: npm run demo -- [--keep] [--port N] [--speed X] [--pool N]

  --keep      keep the data folder when the demo stops (it is deleted otherwise)
  --port N    the dashboard's port on 127.0.0.1 (default: a free one)
  --speed X   run the stand-ins X times as fast (default 1, or CCC_DEMO_SPEED): at 1 a server is created
              in about 10 s and installed in about 20 s
  --pool N    machines kept installed and waiting (default 2)`;

interface Args {
  keep: boolean;
  port: number;
  speed: number;
  pool: number;
}

function parseArgs(argv: string[], env: Record<string, string | undefined>): Args | string {
  const args: Args = { keep: false, port: 0, speed: Number(env.CCC_DEMO_SPEED ?? 1), pool: 2 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => Number(argv[++i]);
    if (arg === "--keep") args.keep = true;
    else if (arg === "--port") args.port = value();
    else if (arg === "--speed") args.speed = value();
    else if (arg === "--pool") args.pool = value();
    else if (arg === "--help" || arg === "-h") return USAGE;
    else return `unknown option ${arg}\n${USAGE}`;
  }
  if (!(args.speed > 0 && args.speed <= 1000))
    return `--speed (or CCC_DEMO_SPEED) must be a number from 0 to 1000\n${USAGE}`;
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535)
    return `--port must be a port number\n${USAGE}`;
  if (!Number.isInteger(args.pool) || args.pool < 0 || args.pool > 5)
    return `--pool must be a whole number from 0 to 5\n${USAGE}`;
  return args;
}

async function main(): Promise<void> {
  const started = Date.now();
  const refusal = demoRefusal(process.env);
  if (refusal) {
    process.stderr.write(`${refusal}\n`);
    process.exit(2);
  }
  const args = parseArgs(process.argv.slice(2), process.env);
  if (typeof args === "string") {
    const help = args === USAGE;
    (help ? process.stdout : process.stderr).write(`${args}\n`);
    process.exit(help ? 0 : 2);
  }
  if (sshdMissingReason) {
    process.stderr.write(
      `ccc demo: not starting: its machines are real OpenSSH servers, and ${sshdMissingReason}.\n`,
    );
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "ccc-demo-"));
  chmodSync(dir, 0o711);
  const logFile = join(dir, "demo.log");
  const log = jsonLogger((line) => appendFileSync(logFile, line));
  let demo: Demo;
  try {
    demo = await startDemo({ dir, port: args.port, speed: args.speed, pool: args.pool, log });
  } catch (error) {
    process.stderr.write(`ccc demo could not start: ${(error as Error).message}\n(log: ${logFile})\n`);
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }
  process.stdout.write(banner(demo, dir, logFile, args, Date.now() - started));

  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${why}: stopping the demo …\n`);
    // Its sshds are child processes: they would outlive a demo that just exited.
    await demo.stop();
    if (args.keep) process.stdout.write(`Kept the data in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
    process.stdout.write("ccc demo stopped.\n");
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(signal, () => void stop(signal, 0));
  const crash = (error: unknown) => {
    log.error("demo failed", { error: String((error as Error)?.stack ?? error) });
    process.stderr.write(`ccc demo failed: ${String(error)} (log: ${logFile})\n`);
    void stop("error", 1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
}

function banner(demo: Demo, dir: string, logFile: string, args: Args, ms: number): string {
  const exports = Object.entries(demo.cliEnv)
    .map(([k, v]) => `  export ${k}=${shellQuote(v)}`)
    .join("\n");
  const speed = args.speed === 1 ? "" : ` (stand-ins ${args.speed}× as fast)`;
  return `
ccc demo is running on 127.0.0.1 only, on stand-ins: nothing here reaches Hetzner, Slack or Stripe${speed}.
Started in ${(ms / 1000).toFixed(1)} s.

Dashboard:     ${demo.url}
  Sign in as the demo person (one-time link, 10 minutes):
    ${demo.personLink}
  Sign in as the demo admin:
    ${demo.adminLink}
  Slack (the DMs the bot sends, with their buttons, and /ccc commands):
    ${demo.slackUrl}

Log in to a machine once it is ready (its address is on the dashboard):
  ssh -i ${demo.personKey} -p ${demo.sshPort} claude@<ip>
  (the demo admin's key, for a machine shared with them: ${demo.adminKey})

The ccc command line against this demo (in another shell, from this folder):
${exports}
  npx ccc list

Stop it with Ctrl-C (or kill -TERM ${process.pid}). Data: ${dir}${args.keep ? " (kept)" : " (deleted on stop; --keep keeps it)"}
Log: ${logFile}
`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

await main();
