// How fast do `ccc` and the bot start? Runs `node -e 0` and the compiled executables (bin/ccc.js,
// bin/ccc-bot.js) N times each against a temporary database, the fake Hetzner and the fake Slack,
// and prints the median wall time, the ratio to `node -e 0` and the peak memory. `ccc types` is
// measured with a warm cache: the first call asks Hetzner and saves the lists in the store, the
// measured ones must not ask again. For comparison it also runs the sources through tsx, as the
// executables did before they ran dist/. Goal: each command within 2× of `node -e 0`, under 70 MB.
//
//   npm run bench:cli            # N = 15
//   npm run bench:cli -- 30
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../src/config.ts";
import { startFakeHetzner } from "../stand-ins/fake-hetzner.ts";
import { createFakeInstaller } from "../stand-ins/fake-installer.ts";
import { startFakeSlack } from "../stand-ins/fake-slack.ts";
import { writeOperatorKey } from "../test/helpers/keys.ts";
import { QUICK, sized } from "./bench-settings.ts";

// BENCH_QUICK=1: one timed run of each (after its warm-up run).
const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? sized(15, 1));
const TIME = "/usr/bin/time"; // GNU time: the peak RSS of the child (maxresident)
const GOAL_RATIO = 2;
const GOAL_MB = 70;

interface Run {
  ms: number;
  /** Peak RSS in MB, when GNU time is installed. */
  mb: number | null;
}

/** One run of `node <args>`, timed from spawn to exit. */
function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<Run & { stdout: string }> {
  const timed = existsSync(TIME);
  const [command, argv] = timed
    ? [TIME, ["-f", "maxrss %M", process.execPath, ...args]]
    : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => {
      const ms = performance.now() - started;
      const rss = /maxrss (\d+)\s*$/.exec(stderr);
      if (code !== 0) return reject(new Error(`node ${args.join(" ")} exited ${code}: ${stderr}`));
      resolve({ ms, mb: rss ? Number(rss[1]) / 1024 : null, stdout });
    });
  });
}

async function measure(args: string[], env: NodeJS.ProcessEnv, count = runs): Promise<Run> {
  if (!QUICK) await runNode(args, env); // warm the file cache; not counted
  const all: Run[] = [];
  for (let n = 0; n < count; n++) all.push(await runNode(args, env));
  const mbs = all.flatMap((r) => (r.mb === null ? [] : [r.mb]));
  return { ms: median(all.map((r) => r.ms)), mb: mbs.length > 0 ? median(mbs) : null };
}

/** Spawns the bot and times it to its "ccc bot started" line; peak RSS from /proc up to then. */
async function botStart(entry: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, [entry], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const output: string[] = [];
  const ms = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the bot exited with ${code}: ${output.join("\n")}`)));
    createInterface({ input: child.stderr }).on("line", (line) => {
      output.push(line);
      if (line.includes('"ccc bot started"')) resolve(performance.now() - started);
    });
  });
  const status = `/proc/${child.pid}/status`;
  const hwm = existsSync(status) ? /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, "utf8")) : null;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
  return { ms, mb: hwm ? Number(hwm[1]) / 1024 : null };
}

async function measureBot(entry: string, env: NodeJS.ProcessEnv, count: number): Promise<Run> {
  if (!QUICK) await botStart(entry, env);
  const all: Run[] = [];
  for (let n = 0; n < count; n++) all.push(await botStart(entry, env));
  const mbs = all.flatMap((r) => (r.mb === null ? [] : [r.mb]));
  return { ms: median(all.map((r) => r.ms)), mb: mbs.length > 0 ? median(mbs) : null };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const dir = mkdtempSync(join(tmpdir(), "ccc-bench-cli-"));
const hetzner = await startFakeHetzner({ rateLimit: 100_000 });
const slack = await startFakeSlack();
try {
  // The executables refuse code older than src/: build first when needed, as `npm run build` does.
  await runNode([join(PROJECT_ROOT, "scripts/build.js"), "--if-stale"], process.env);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Set (if empty) so that a developer's .env cannot point the runs at a real Slack or Hetzner.
    SLACK_BOT_TOKEN: "",
    SLACK_APP_TOKEN: "",
    SLACK_SIGNING_SECRET: "",
    HCLOUD_TOKEN: hetzner.token,
    HCLOUD_ENDPOINT: hetzner.url,
    CCC_DB_PATH: join(dir, "ccc.db"),
    CCC_OPERATOR_SSH_KEY: writeOperatorKey(dir),
    CCC_NIXOS_ANYWHERE: createFakeInstaller(dir).path,
    CCC_OPERATOR_NAME: "bench",
  };
  const ccc = (...args: string[]) => [join(PROJECT_ROOT, "bin/ccc.js"), ...args];
  const typeLookups = () => hetzner.requests.filter((r) => r.path === "/server_types").length;

  // The CLI refuses a database that does not exist: make the scratch one first, as an operator would.
  await runNode(ccc("init"), env);
  const node = await measure(["-e", "0"], env);
  const help = await measure(ccc("--help"), env);
  const list = await measure(ccc("list"), env);
  const cold = await runNode(ccc("types"), env);
  if (!cold.stdout.includes("cx23")) throw new Error(`ccc types printed no types:\n${cold.stdout}`);
  const types = await measure(ccc("types"), env);
  const asked = typeLookups();

  // The executables as they were before dist/: tsx transpiling the sources at every run.
  const before = (entry: string) => {
    const file = join(dir, `${entry}-from-sources.mjs`);
    const url = (path: string) => pathToFileURL(join(PROJECT_ROOT, path)).href;
    writeFileSync(
      file,
      `import ${JSON.stringify(url("bin/dotenv.js"))};\n` +
        `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))};\n` +
        `register();\nconst { main } = await import(${JSON.stringify(url(`src/${entry}.ts`))});\nawait main();\n`,
    );
    return file;
  };
  const helpBefore = await measure([before("cli"), "--help"], env, Math.min(runs, 5));

  const botEnv = {
    ...env,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: "bench-signing-secret",
    SLACK_API_URL: slack.apiUrl,
    PORT: "0",
  };
  const botRuns = Math.min(runs, 5);
  const bot = await measureBot(join(PROJECT_ROOT, "bin/ccc-bot.js"), botEnv, botRuns);
  const botBefore = await measureBot(before("bot"), botEnv, botRuns);

  const mb = (r: Run) => (r.mb === null ? "   n/a" : `${r.mb.toFixed(0).padStart(3)} MB`);
  const verdict = (r: Run) =>
    r.ms <= GOAL_RATIO * node.ms && (r.mb === null || r.mb < GOAL_MB) ? "ok" : "OVER GOAL";
  const line = (name: string, r: Run, goal = true) =>
    console.log(
      `${name.padEnd(36)} ${r.ms.toFixed(0).padStart(5)} ms  ${(r.ms / node.ms).toFixed(1).padStart(4)}×  ${mb(r)}${goal ? `  ${verdict(r)}` : ""}`,
    );
  console.log(
    `ccc start-up: median of ${runs} runs (bot: ${botRuns}), node ${process.version}, ${availableParallelism()} CPUs${existsSync(TIME) ? "" : " (peak RSS needs GNU time at /usr/bin/time)"}`,
  );
  console.log(`${"".padEnd(36)} ${"wall".padStart(8)}  ${"×node".padStart(5)} ${"peak RSS".padStart(7)}`);
  line("node -e 0", node, false);
  line("ccc --help", help);
  line("ccc list", list);
  line("ccc types (warm cache)", types);
  line("ccc types (cold: asks Hetzner)", cold, false);
  line("ccc --help from sources via tsx", helpBefore, false);
  line('bot: start to "ccc bot started"', bot, false);
  line("bot from sources via tsx", botBefore, false);
  console.log(
    `Hetzner was asked for server types ${asked} time${asked === 1 ? "" : "s"} (once expected: the warm runs use the saved catalog).`,
  );
  console.log(`Goal: every ccc command within ${GOAL_RATIO}× of node -e 0 and under ${GOAL_MB} MB.`);
} finally {
  await hetzner.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
}
