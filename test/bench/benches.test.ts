// Every `npm run bench:*` script runs to the end on a fresh checkout: each one in its quick mode
// (`BENCH_QUICK=1`: fewer runs and rows, the same code paths), one at a time, as a child process,
// and it must exit 0 and print its figures. A benchmark that stops at a guardrail (the hourly
// provision limit stopped bench:restore once) or throws fails here.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/config.ts";

/** A figure each benchmark prints when it ran to the end. */
const FIGURES: Record<string, RegExp[]> = {
  "bench:api": [/run 1: \d+ answers \(0 failed\)/, /median p50 [\d.]+ ms, median p99 [\d.]+ ms/],
  "bench:bot": [/\d+ acks \(0 failed\)/, /time to ack: p50 [\d.]+ ms/, /provisions: 2\/2 ready/],
  "bench:cli": [/ccc --help\s+\d+ ms/, /bot: start to "ccc bot started"\s+\d+ ms/],
  "bench:lifecycle": [/sweep query .*median [\d.]+ ms/, /every delete within 60 s/],
  "bench:pool": [/hit:\s+median [\d.]+ s/, /Hetzner requests per claim: \d/, /4\/4 ready in/],
  "bench:provision": [/later cycles: \d+ requests/, /finished 3\/3 in [\d.]+ s/],
  "bench:restore": [
    /Hetzner requests per restore: median \d+/,
    /ready after the server booted: median [\d.]+ s/,
  ],
  "bench:usage": [
    /usage \(this month, by user\): median [\d.]+ ms/,
    /budget check at provision.*median [\d.]+ ms/,
  ],
  "bench:web": [/person with 5 machines: 10 loads, median [\d.]+ ms/],
  "bench:ready": [/request -> ready with the repository cloned: median [\d.]+ s, max [\d.]+ s/],
  "bench:task": [
    /task -> first model request at the stand-in: median [\d.]+ s, max [\d.]+ s/,
    /Hetzner requests per task: \d+/,
    /status message edited \(real bot, fake Slack\): median [\d.]+ s/,
    /bot process with \d+ tasks streaming at once: rss median \d+ MB/,
  ],
  "bench:secrets": [/median \d+ ms, max \d+ ms, min \d+ ms/],
  "bench:idle": [
    /pass duration: median [\d.]+ s/,
    /peak SSH sessions in flight: \d+/,
    /wake → ready after the server booted: median [\d.]+ s/,
  ],
};

const scripts = Object.entries(
  (
    JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts,
).filter(([name]) => name.startsWith("bench:"));

/** The Markdown files under a folder (the docs beside the README). */
function mdFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(dir, f));
}

/** The environment without any ccc, Hetzner or Slack setting of whoever runs the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(CCC_|HCLOUD_|SLACK_|STRIPE_|BENCH_)/.test(k)) env[k] = v;
  }
  return { ...env, BENCH_QUICK: "1" };
}

function run(file: string): Promise<{ code: number | null; out: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(join(PROJECT_ROOT, "node_modules/.bin/tsx"), [file], {
      cwd: PROJECT_ROOT,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, out, ms: performance.now() - started }));
  });
}

describe("npm run bench:* in quick mode", () => {
  it("knows the figures of every bench script in package.json, and the README lists each", () => {
    expect(scripts.map(([name]) => name).sort()).toEqual(Object.keys(FIGURES).sort());
    const docs = [join(PROJECT_ROOT, "README.md"), ...mdFiles(join(PROJECT_ROOT, "docs"))]
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    for (const [name] of scripts) expect(docs, name).toContain(`npm run ${name}`);
  });

  // One at a time: each starts fakes, sshds and bots of its own, and the cores are shared.
  for (const [name, command] of scripts) {
    it(`${name} runs to the end and prints its figures`, { timeout: 240_000 }, async () => {
      const file = /^tsx (bench\/\S+\.ts)$/.exec(command)?.[1];
      expect(file, `${name} is "tsx bench/<file>.ts"`).toBeDefined();
      const { code, out, ms } = await run(file as string);
      expect(out).not.toMatch(/QuotaError|within the last hour/);
      expect(code, out).toBe(0);
      for (const figure of FIGURES[name] ?? []) expect(out).toMatch(figure);
      console.log(`${name} (quick): ${(ms / 1000).toFixed(1)} s`);
    });
  }
});
