// bin/ccc.js and bin/ccc-bot.js run the compiled dist/ (vitest's global setup builds it when src/
// changed): they must run it, and refuse a copy of the project whose dist/ is missing or stale.
import { cpSync, mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/config.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Settings a developer's .env might hold, emptied so that nothing reaches a real Slack or Hetzner. */
const NO_SETTINGS = {
  SLACK_BOT_TOKEN: "",
  SLACK_APP_TOKEN: "",
  SLACK_SIGNING_SECRET: "",
  HCLOUD_TOKEN: "",
  CCC_OPERATOR_SSH_KEY: "",
};

/** A copy of the executables, the compiled code and the sources, as a checkout after `npm ci`. */
function copyOfProject(): string {
  dir = mkdtempSync(join(tmpdir(), "ccc-bin-"));
  for (const part of ["bin", "dist", "src"])
    cpSync(join(PROJECT_ROOT, part), join(dir, part), { recursive: true });
  // Built after everything in src/ was written.
  const built = new Date(Date.now() + 1_000);
  utimesSync(join(dir, "dist", ".built"), built, built);
  return dir;
}

describe("the executables", () => {
  it("start the compiled bot, which names the missing settings", async () => {
    const bot = await execa("node", [join(PROJECT_ROOT, "bin/ccc-bot.js")], {
      env: { ...NO_SETTINGS, CCC_DB_PATH: join(mkdtempSync(join(tmpdir(), "ccc-bin-")), "ccc.db") },
      reject: false,
    });
    expect(bot.exitCode).toBe(2);
    expect(bot.stderr).toContain("SLACK_BOT_TOKEN");
  });

  it("refuse code older than src/ and say what to run", async () => {
    const project = copyOfProject();
    const fresh = await execa("node", [join(project, "bin/ccc.js"), "--help"], {
      env: NO_SETTINGS,
      reject: false,
    });
    expect(fresh.stderr).not.toContain("npm run build");
    const edited = new Date(Date.now() + 60_000);
    utimesSync(join(project, "src", "cli.ts"), edited, edited);
    const run = await execa("node", [join(project, "bin/ccc.js"), "--help"], {
      env: NO_SETTINGS,
      reject: false,
    });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `ccc: src/cli.ts changed after the last build. Run \`npm run build\` in ${project} (npm ci does it too).`,
    );
  });

  it("refuse to start without dist/ and say what to run", async () => {
    const project = copyOfProject();
    rmSync(join(project, "dist"), { recursive: true });
    const run = await execa("node", [join(project, "bin/ccc-bot.js")], { env: NO_SETTINGS, reject: false });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("ccc: dist/ has not been built. Run `npm run build`");
  });
});
