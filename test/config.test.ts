import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, PROJECT_ROOT, parseConfig } from "../src/config.ts";
import { installerProblems, loadConfig, operatorKeyProblems } from "../src/preflight.ts";
import { makeKeyPair } from "./helpers/keys.ts";

describe("parseConfig", () => {
  it("gives every default from an empty environment, paths from the project root", () => {
    const config = parseConfig({});
    expect(config.paths).toEqual({
      db: join(PROJECT_ROOT, "data/ccc.db"),
      dataDir: join(PROJECT_ROOT, "data"),
      flakeDir: join(PROJECT_ROOT, "nix"),
    });
    expect(config.policy).toEqual({
      image: "ubuntu-24.04",
      defaultServerType: "cx23",
      defaultLocation: "fsn1",
      defaultHours: 4,
      maxHours: 24,
      maxLifetimeHours: 72,
      maxInstancesPerUser: 2,
      maxKeysPerMachine: 8,
      maxTokensPerUser: 5,
      budgets: { userMonthlyEur: null, teamMonthlyEur: null },
    });
    expect(config.timing).toEqual({ sshPort: 22, sshWaitMs: 300_000, installTimeoutMs: 1_800_000 });
    expect(config.lifecycle).toEqual({
      sweepCron: "* * * * *",
      reconcileCron: "*/10 * * * *",
      remindMinutes: [60, 15],
      orphanGraceMinutes: 15,
    });
    // Neither CCC_OPERATOR_NAME nor USER: the system user running ccc, never a silent "operator".
    expect(config.operator).toEqual({ name: userInfo().username, sshKey: undefined, home: undefined });
    expect(config.slack).toMatchObject({ admins: [], port: 3000, botToken: undefined });
  });

  it("reads what is set: blanks count as unset, lists are trimmed, the operator falls back to USER", () => {
    const config = parseConfig({
      HCLOUD_TOKEN: "  tok  ",
      CCC_DB_PATH: "/var/lib/ccc/ccc.db",
      CCC_OPERATOR_SSH_KEY: "keys/operator",
      CCC_ADMINS: " U1 , ,U2",
      CCC_REMIND_MINUTES: "15, 60,15",
      CCC_IMAGE: "   ",
      USER: "opal",
    });
    expect(config.hetzner.token).toBe("tok");
    expect(config.paths.dataDir).toBe("/var/lib/ccc");
    expect(config.operator).toMatchObject({ name: "opal", sshKey: join(PROJECT_ROOT, "keys/operator") });
    expect(config.slack.admins).toEqual(["U1", "U2"]);
    expect(config.lifecycle.remindMinutes).toEqual([60, 15]);
    expect(config.policy.image).toBe("ubuntu-24.04");
    expect(parseConfig({ USER: "opal", CCC_OPERATOR_NAME: "ops" }).operator.name).toBe("ops");
    expect(parseConfig({ CCC_MAX_TOKENS_PER_USER: " 2 " }).policy.maxTokensPerUser).toBe(2);
    expect(() => parseConfig({ CCC_MAX_TOKENS_PER_USER: "0" })).toThrow(ConfigError);
  });

  it("reports every value that does not parse at once, naming each setting", () => {
    const error = (() => {
      try {
        parseConfig({ PORT: "http", CCC_MAX_HOURS: "-1", CCC_SWEEP_CRON: "often", HCLOUD_ENDPOINT: "nope" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(":")[0]).sort();
    expect(problems).toEqual(["CCC_MAX_HOURS", "CCC_SWEEP_CRON", "HCLOUD_ENDPOINT", "PORT"]);
  });

  it("reads the snapshot retention and quota, with their defaults", () => {
    expect(parseConfig({}).snapshots).toEqual({ retentionDays: 7, maxPerUser: 3 });
    const set = parseConfig({ CCC_SNAPSHOT_RETENTION_DAYS: "14", CCC_MAX_SNAPSHOTS_PER_USER: "1" });
    expect(set.snapshots).toEqual({ retentionDays: 14, maxPerUser: 1 });
    expect(() => parseConfig({ CCC_MAX_SNAPSHOTS_PER_USER: "0" })).toThrow(ConfigError);
  });

  it("caps keys per machine at the 8 a machine takes", () => {
    expect(parseConfig({ CCC_MAX_KEYS_PER_MACHINE: "3" }).policy.maxKeysPerMachine).toBe(3);
    expect(() => parseConfig({ CCC_MAX_KEYS_PER_MACHINE: "9" })).toThrow(ConfigError);
  });

  it("reads the work volume settings, with Hetzner's smallest size and room for both reminders", () => {
    expect(parseConfig({}).volumes).toEqual({ defaultGb: 10, maxGb: 100, retentionDays: 30 });
    expect(
      parseConfig({ CCC_VOLUME_GB: "20", CCC_VOLUME_MAX_GB: "50", CCC_VOLUME_RETENTION_DAYS: "14" }).volumes,
    ).toEqual({ defaultGb: 20, maxGb: 50, retentionDays: 14 });
    for (const bad of [
      { CCC_VOLUME_GB: "5" },
      { CCC_VOLUME_MAX_GB: "9" },
      { CCC_VOLUME_RETENTION_DAYS: "3" },
    ]) {
      expect(() => parseConfig(bad)).toThrow(ConfigError);
    }
  });
});

describe("preflight", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ccc-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("checks the operator's key pair on disk only when the cloud is needed", () => {
    const key = join(dir, "operator");
    const env = { CCC_OPERATOR_SSH_KEY: key, HCLOUD_TOKEN: "t" };
    expect(operatorKeyProblems(parseConfig(env))).toEqual([`CCC_OPERATOR_SSH_KEY: no file at ${key}`]);
    writeFileSync(key, "private");
    expect(operatorKeyProblems(parseConfig(env))[0]).toMatch(/no public key at .*operator\.pub beside it/);
    writeFileSync(`${key}.pub`, makeKeyPair().publicKey);
    expect(loadConfig(env, { cloud: true }).operator.sshKey).toBe(key);
    expect(() => loadConfig({}, { cloud: true })).toThrow(/HCLOUD_TOKEN is not set/);
    expect(loadConfig({}, {}).hetzner.token).toBeUndefined();
  });

  it("finds the installer on the given PATH and the flake in its folder", () => {
    const installer = join(dir, "nixos-anywhere");
    writeFileSync(installer, "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(join(dir, "flake.nix"), "{}");
    expect(installerProblems(parseConfig({ PATH: dir, CCC_FLAKE_DIR: dir }))).toEqual([]);
    const problems = installerProblems(parseConfig({ PATH: "/nonexistent", CCC_FLAKE_DIR: join(dir, "x") }));
    expect(problems).toEqual([
      expect.stringMatching(/^CCC_NIXOS_ANYWHERE: nixos-anywhere is not an executable on PATH/),
      `CCC_FLAKE_DIR: no flake.nix in ${join(dir, "x")}`,
    ]);
  });

  it("puts parse problems, missing settings and file problems in one error", () => {
    const error = (() => {
      try {
        loadConfig({ PORT: "http", PATH: "/nonexistent" }, { bot: true, cloud: true, installer: true });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error?.problems.map((p) => p.split(/[ :]/)[0])).toEqual([
      "PORT",
      "SLACK_BOT_TOKEN",
      "SLACK_APP_TOKEN",
      "HCLOUD_TOKEN",
      "CCC_OPERATOR_SSH_KEY",
      "CCC_NIXOS_ANYWHERE",
    ]);
  });
});
