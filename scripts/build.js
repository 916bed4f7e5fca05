#!/usr/bin/env node
// Compiles src/ into dist/ so the executables start without transpiling TypeScript at every run.
// `npm ci` runs it (the `prepare` script); run `npm run build` after changing src/. Our own code is
// bundled, and so are the small pure-JS packages every command loads (commander, sshpk, zod): one
// file parses in about half the time of their dozens. The rest stay in node_modules: native
// (better-sqlite3), large and loaded only by the bot or when needed (@slack/bolt, execa).
// - The bot: dist/bot.js, an ES module, with lazy imports split into chunks.
// - The CLI: dist/cli.cjs, one CommonJS file, which bin/ccc.js runs with a V8 code cache beside it
//   (bin/code-cache.js). The build makes the first cache by running `ccc --help` and `ccc list`
//   against a scratch database, so even the first `ccc` after an install starts fast.
// dist/.built records when the build started: bin/fresh-build.js compares it with src/ so stale
// code never runs. `--if-stale` builds only when src/ changed since.
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { loadCompiled } from "../bin/code-cache.js";
import { staleReason } from "../bin/fresh-build.js";

const root = fileURLToPath(new URL("..", import.meta.url));
if (process.argv.includes("--if-stale") && staleReason() === null) process.exit(0);
const BUNDLED = ["commander", "sshpk", "zod"];
const { dependencies } = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));
const started = new Date();
rmSync(`${root}/dist`, { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  external: Object.keys(dependencies).filter((name) => !BUNDLED.includes(name)),
  platform: "node",
  target: "node20",
  logLevel: "warning",
  minify: true,
};
await build({
  ...common,
  entryPoints: ["src/bot.ts"],
  outdir: "dist",
  splitting: true,
  format: "esm",
  // Bundled CommonJS packages call require() (for Node's own modules); ES modules have none.
  banner: {
    js: 'import { createRequire as __cccRequire } from "node:module";\nconst require = __cccRequire(import.meta.url);',
  },
});
await build({
  ...common,
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.cjs",
  format: "cjs",
  // Lazy imports stay lazy as require() calls (Node 20.19 requires ES-module packages such as execa);
  // a dynamic import() would need a loader hook that V8's code cache drops.
  supported: { "dynamic-import": false },
  define: { "import.meta.url": "__cccFileUrl" },
  banner: { js: 'const __cccFileUrl = require("node:url").pathToFileURL(__filename).href;' },
});
await firstCodeCache(`${root}/dist/cli.cjs`);
mkdirSync(`${root}/dist`, { recursive: true });
closeSync(openSync(`${root}/dist/.built`, "w"));
utimesSync(`${root}/dist/.built`, started, started);

/** Runs `ccc --help` and `ccc list --init` in this process against a scratch database, then saves the code cache. */
async function firstCodeCache(file) {
  const scratch = mkdtempSync(join(tmpdir(), "ccc-build-"));
  try {
    const { exports, saveCache } = loadCompiled(file);
    const io = {
      env: { CCC_DB_PATH: join(scratch, "ccc.db") },
      stdout: () => {},
      stderr: () => {},
      readStdin: () => "",
    };
    for (const argv of [["--help"], ["list", "--init"]]) {
      const code = await exports.runCli(argv, io);
      if (code !== 0) throw new Error(`ccc ${argv.join(" ")} exited ${code} while making the code cache`);
    }
    saveCache();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
