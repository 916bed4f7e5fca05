// bin/ccc.js and bin/ccc-bot.js run the compiled dist/ (vitest's global setup builds it when src/
// changed): they must run it, and refuse a copy of the project whose dist/ is missing or stale.

import { generateKeyPairSync } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import sshpk from "sshpk";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/config.ts";
import { startHarness } from "./helpers/harness.ts";

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
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"));
  // Built after everything in src/ was written.
  const built = new Date(Date.now() + 1_000);
  utimesSync(join(dir, "dist", ".built"), built, built);
  return dir;
}

describe("the executables", () => {
  it("start the compiled bot, which names the missing settings", async () => {
    dir = mkdtempSync(join(tmpdir(), "ccc-bin-"));
    const bot = await execa("node", [join(PROJECT_ROOT, "bin/ccc-bot.js")], {
      env: { ...NO_SETTINGS, CCC_DB_PATH: join(dir, "ccc.db") },
      reject: false,
    });
    expect(bot.exitCode).toBe(2);
    expect(bot.stderr).toContain("SLACK_BOT_TOKEN");
  });

  it("run the compiled CLI: its key checks, and types from the catalog saved in the store", async () => {
    const h = await startHarness();
    try {
      const ccc = (...args: string[]) =>
        execa("node", [join(PROJECT_ROOT, "bin/ccc.js"), ...args], {
          env: { ...NO_SETTINGS, ...h.env },
          reject: false,
        });
      const lookups = () => h.cloud.requests.filter((r) => r.path === "/server_types").length;
      const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
      const weakKey = sshpk
        .parseKey(publicKey.export({ type: "spki", format: "pem" }), "pem")
        .toString("ssh");

      const weak = await ccc("provision", "--ssh-key", weakKey);
      expect(weak.exitCode).toBe(2);
      expect(weak.stderr).toMatch(/^ccc: .*1024 bits/);

      const asked = await ccc("types", "--json");
      expect(asked.exitCode).toBe(0);
      expect(JSON.parse(asked.stdout).map((o: { name: string }) => o.name)).toContain("cx23");
      expect(lookups()).toBe(1);
      const saved = await ccc("types", "--json");
      expect(saved.stdout).toBe(asked.stdout);
      expect(lookups()).toBe(1);
    } finally {
      await h.close();
    }
  });

  it("refuse code older than src/ and say what to run", async () => {
    const project = copyOfProject();
    const fresh = await execa("node", [join(project, "bin/ccc.js"), "--help"], {
      env: NO_SETTINGS,
      reject: false,
    });
    expect(fresh).toMatchObject({ exitCode: 0, stderr: "" });
    expect(fresh.stdout).toContain("Usage: ccc");
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

  it("run the CLI without its code cache, or with one V8 refuses, and write one it accepts", async () => {
    const project = copyOfProject();
    const cache = join(project, "dist", "cli.cjs.cache");
    const help = () =>
      execa("node", [join(project, "bin/ccc.js"), "--help"], { env: NO_SETTINGS, reject: false });
    expect(existsSync(cache)).toBe(true); // the build made the first one

    rmSync(cache);
    const without = await help();
    expect(without).toMatchObject({ exitCode: 0, stderr: "" });
    expect(existsSync(cache)).toBe(true);

    writeFileSync(cache, "not a code cache");
    const refused = await help();
    expect(refused).toMatchObject({ exitCode: 0, stderr: "", stdout: without.stdout });
    expect(readFileSync(cache, "utf8")).not.toBe("not a code cache");

    // Accepted now: a run that used the cache leaves it as it was.
    const before = new Date("2026-01-01T00:00:00Z");
    utimesSync(cache, before, before);
    expect(await help()).toMatchObject({ exitCode: 0, stdout: without.stdout });
    expect(statSync(cache).mtime).toEqual(before);
  });

  it("refuse to start without dist/ and say what to run", async () => {
    const project = copyOfProject();
    rmSync(join(project, "dist"), { recursive: true });
    const run = await execa("node", [join(project, "bin/ccc-bot.js")], { env: NO_SETTINGS, reject: false });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("ccc: dist/ has not been built. Run `npm run build`");
  });
});
