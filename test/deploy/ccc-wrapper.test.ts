import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";

// deploy/ccc, the operators' `ccc` on a host that runs deploy/ccc.service, run for real with a stand-in
// `systemd-run` first on PATH that records what it was asked to start and answers an exit code.

const repo = resolve(import.meta.dirname, "../..");
const wrapper = join(repo, "deploy/ccc");
const isRoot = process.getuid?.() === 0;

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});

/** `Key=value` lines of the unit, every value of a repeated key kept. */
function unitSettings(): Record<string, string[]> {
  const settings: Record<string, string[]> = {};
  for (const line of readFileSync(join(repo, "deploy/ccc.service"), "utf8").split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match?.[1] === undefined) continue;
    settings[match[1]] = [...(settings[match[1]] ?? []), match[2] ?? ""];
  }
  return settings;
}

interface Started {
  unit: string;
  properties: Record<string, string[]>;
  env: Record<string, string>;
  command: string[];
}

/** Reads the stand-in's record of one systemd-run call back into properties, environment and command. */
function parseCall(argv: string[]): Started {
  const started: Started = { unit: "", properties: {}, env: {}, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-p" || arg === "-E") {
      const value = argv[++i] ?? "";
      const at = value.indexOf("=");
      const [key, rest] = [value.slice(0, at), value.slice(at + 1)];
      if (arg === "-E") started.env[key] = rest;
      else started.properties[key] = [...(started.properties[key] ?? []), rest];
    } else if (arg.startsWith("--unit=")) started.unit = arg.slice("--unit=".length);
    else if (!arg.startsWith("-")) {
      started.command = argv.slice(i);
      break;
    }
  }
  return started;
}

async function runWrapper(args: string[], env: Record<string, string> = {}, exitCode = 0) {
  dir = mkdtempSync(join(tmpdir(), "ccc-wrapper-"));
  const record = join(dir, "calls.json");
  const standIn = join(dir, "systemd-run");
  writeFileSync(
    standIn,
    `#!/usr/bin/env node\nrequire("node:fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));\nprocess.exit(${exitCode});\n`,
  );
  chmodSync(standIn, 0o755);
  const run = await execa(wrapper, args, {
    env: { PATH: `${dir}:${process.env.PATH}`, ...env },
    extendEnv: false,
    reject: false,
    stdin: "pipe",
  });
  const started = run.exitCode === 2 && !isRoot ? null : parseCall(JSON.parse(readFileSync(record, "utf8")));
  return { run, started };
}

describe("deploy/ccc.service", () => {
  it("does not restart in a loop a bot that refused to start (exit 2: settings, stale build, schema)", () => {
    expect(unitSettings()).toMatchObject({ Restart: ["on-failure"], RestartPreventExitStatus: ["2"] });
  });
});

describe("deploy/ccc, the operators' ccc on the service's host", () => {
  it.runIf(isRoot)(
    "starts the command as the service does: its user, settings file, database and key",
    async () => {
      const { run, started } = await runWrapper(["budget", "set", "U0BOB", "25 €", "--json"], {
        SUDO_USER: "opal",
        TZ: "Europe/Berlin",
      });
      expect(run.exitCode).toBe(0);
      const unit = unitSettings();
      const s = started as Started;
      for (const key of ["User", "Group", "EnvironmentFile", "LoadCredential", "StateDirectory", "UMask"]) {
        expect({ key, value: s.properties[key] }).toEqual({ key, value: unit[key] });
      }
      expect(s.properties.WorkingDirectory).toEqual(unit.WorkingDirectory);
      // Every Environment= of the unit, but the key's path, which systemd names after the unit.
      for (const line of unit.Environment ?? []) {
        const text = line.replace(/^"|"$/g, "");
        const at = text.indexOf("=");
        const [key, value] = [text.slice(0, at), text.slice(at + 1)];
        if (key === "CCC_OPERATOR_SSH_KEY") continue;
        expect({ key, value: s.env[key] }).toEqual({ key, value });
      }
      expect(s.env.CCC_DB_PATH).toBe("/var/lib/ccc/ccc.db");
      expect(s.env.CCC_OPERATOR_SSH_KEY).toBe(`/run/credentials/${s.unit}.service/operator-key`);
      expect(s.env.CCC_OPERATOR_NAME).toBe("opal");
      expect(s.env.TZ).toBe("Europe/Berlin");
      // The bot's node, on the CLI's entry point beside the bot's, with the words exactly as typed.
      const [node, botEntry] = (unit.ExecStart?.[0] ?? "").split(" ");
      expect(s.command).toEqual([
        node,
        botEntry?.replace("ccc-bot.js", "ccc.js"),
        "budget",
        "set",
        "U0BOB",
        "25 €",
        "--json",
      ]);
    },
  );

  it.runIf(isRoot)("answers the command's own exit code", async () => {
    const { run } = await runWrapper(["reconcile"], {}, 3);
    expect(run.exitCode).toBe(3);
  });

  it.runIf(!isRoot)("refuses to run as anyone but root, saying how", async () => {
    const { run } = await runWrapper(["list"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("run it as root (sudo ccc …)");
  });
});
