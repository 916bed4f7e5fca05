import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../src/adapters/system-clock.ts";
import { PROJECT_ROOT } from "../src/config.ts";
import type { Clock } from "../src/core/ports/clock.ts";
import { startFakeSlack } from "../stand-ins/fake-slack.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { makeKeyPair } from "./helpers/keys.ts";
import { runCcc } from "./helpers/run-ccc.ts";

let h: Harness;
let now: Date;
const clock: Clock = { now: () => new Date(now), sleep: systemClock.sleep };
beforeEach(async () => {
  now = new Date();
  h = await startHarness();
});
afterEach(async () => {
  expect(h.strayServers()).toEqual([]);
  await h.close();
});

function ccc(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  return runCcc(h, args, { ...options, compose: { clock } });
}

describe("ccc CLI", () => {
  it("runs the whole cycle with --json and exit codes", async () => {
    const keyFile = join(h.dir, "alice.pub");
    writeFileSync(keyFile, `${makeKeyPair("alice@laptop").publicKey}\n`);
    const made = await ccc(["provision", "--user", "alice", "--ssh-key", keyFile, "--hours", "2", "--json"]);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    const instance = JSON.parse(made.stdout);
    expect(instance).toMatchObject({ owner: "alice", status: "ready", serverType: "cx23", location: "fsn1" });
    expect(instance.ipv4).toMatch(/^127\.0\.0\.\d+$/);
    // The harness's machines answer SSH on CCC_SSH_PORT, not 22: the line says so.
    expect(instance.ssh).toBe(`ssh -p ${h.env.CCC_SSH_PORT} claude@${instance.ipv4}`);
    expect(instance.expiresAt).toBe(
      new Date(Math.floor(now.getTime() / 1000) * 1000 + 2 * 3_600_000).toISOString(),
    );

    const listed = await ccc(["list", "--all", "--json"]);
    expect(JSON.parse(listed.stdout).map((i: { id: string }) => i.id)).toEqual([instance.id]);
    const table = await ccc(["list", "--all"]);
    expect(table.stdout).toMatch(/^ID\s+OWNER\s+STATUS\s+TYPE\s+LOCATION\s+IPV4\s+EXPIRES\s+LEFT\n/);
    expect(table.stdout).toContain(`${instance.id}  alice  ready`);
    expect((await ccc(["list"])).stdout).toBe("No machines.\n");

    const extended = await ccc(["extend", instance.id, "1"]);
    expect(extended.code).toBe(0);
    expect(extended.stdout).toMatch(
      new RegExp(
        `^${instance.id} now expires at .* UTC \\(3 h left\\)\\.\\n` +
          // The harness's machines answer a banner and nothing more: unreachable for the update.
          "The machine will be told when it can be reached\\.\\n$",
      ),
    );

    const shown = await ccc(["status", instance.id]);
    expect(shown.stdout).toContain(`ssh:      ssh -p ${h.env.CCC_SSH_PORT} claude@${instance.ipv4}`);

    const deleted = await ccc(["deprovision", instance.id]);
    expect(deleted).toMatchObject({ code: 0, stdout: `${instance.id} deleted; its server is gone.\n` });
    expect(h.cloud.servers()).toEqual([]);
  });

  it("shows each provisioning step with elapsed time, reading the key from standard input", async () => {
    const run = await ccc(["provision", "--ssh-key", "-"], { stdin: makeKeyPair().publicKey });
    expect(run.code).toBe(0);
    const [database, ...steps] = run.stderr.trim().split("\n").reverse();
    steps.reverse();
    expect(database).toBe(`database: ${h.env.CCC_DB_PATH}`);
    expect(steps).toHaveLength(4);
    expect(steps[0]).toMatch(/^\[\s+0\.\ds\] ccc-\w{6}: Creating the server at Hetzner$/);
    expect(steps[3]).toMatch(/Ready \(127\.0\.0\.\d+\)$/);
    expect(run.stdout).toMatch(
      new RegExp(`Connect with: ssh -p ${h.env.CCC_SSH_PORT} claude@127\\.0\\.0\\.\\d+`),
    );
    const id = /ccc-\w{6}/.exec(run.stdout)?.[0] as string;
    expect(JSON.parse((await ccc(["list", "--json"])).stdout)[0].owner).toBe("opal");
    await ccc(["deprovision", id]);
  });

  it("exits 2 with one line for a refusal before any work", async () => {
    const privateKeyFile = join(h.dir, "id_ed25519");
    writeFileSync(privateKeyFile, makeKeyPair().privateKey);
    const leaked = await ccc(["provision", "--ssh-key", privateKeyFile]);
    expect(leaked.code).toBe(2);
    expect(leaked.stderr).toMatch(/^ccc: .*private key/i);
    expect((await ccc(["provision", "--ssh-key", makeKeyPair().publicKey, "--type", "nope"])).stderr).toMatch(
      /^ccc: Unknown server type "nope"\. Available in fsn1: /,
    );
    const missing = await ccc(["provision", "--ssh-key", join(h.dir, "nope.pub")]);
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/nope\.pub: there is no such file\./),
    });
    const folder = await ccc(["provision", "--ssh-key", h.dir]);
    expect(folder).toMatchObject({ code: 2, stderr: expect.stringMatching(/: it is a directory\./) });
    expect((await ccc(["status", "banana"])).code).toBe(2);
    expect((await ccc(["status", "ccc-abcdef", "--json"])).stdout).toContain('"code": "not_found"');
    expect((await ccc(["extend", "ccc-abcdef"])).code).toBe(2);
    expect((await ccc(["frobnicate"])).stderr).toMatch(/unknown command 'frobnicate'/);
    const noInstaller = await ccc(["provision", "--ssh-key", makeKeyPair().publicKey], {
      env: { CCC_NIXOS_ANYWHERE: "no-such-installer", PATH: "/nonexistent", CCC_FLAKE_DIR: h.dir },
    });
    expect(noInstaller.code).toBe(2);
    expect(noInstaller.stderr).toMatch(/CCC_NIXOS_ANYWHERE: no-such-installer is not an executable on PATH/);
    expect(noInstaller.stderr).toMatch(/CCC_FLAKE_DIR: no flake.nix in /);
    const badOperatorKey = join(h.dir, "broken");
    writeFileSync(badOperatorKey, "private");
    writeFileSync(`${badOperatorKey}.pub`, "not a key\n");
    const broken = await ccc(["deprovision", "ccc-aaaaaa"], {
      env: { CCC_OPERATOR_SSH_KEY: badOperatorKey },
    });
    expect(broken).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/CCC_OPERATOR_SSH_KEY: .*broken\.pub is not a usable public key/),
    });
    const unconfigured = await ccc(["deprovision", "ccc-aaaaaa"], {
      env: { HCLOUD_TOKEN: "", CCC_OPERATOR_SSH_KEY: "" },
    });
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toMatch(/HCLOUD_TOKEN is not set.*\n.*CCC_OPERATOR_SSH_KEY is not set/);
    // Reading the catalog needs Hetzner's token, not the operator's key.
    const typesOnly = await ccc(["types"], { env: { HCLOUD_TOKEN: "", CCC_OPERATOR_SSH_KEY: "" } });
    expect(typesOnly.code).toBe(2);
    expect(typesOnly.stderr).toMatch(/HCLOUD_TOKEN is not set/);
    expect(typesOnly.stderr).not.toMatch(/CCC_OPERATOR_SSH_KEY/);
    expect(h.cloud.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(JSON.parse((await ccc(["list", "--all", "--json"])).stdout)).toEqual([]);
  });

  it("reconciles without the installer: the safety net must work where nixos-anywhere is not on PATH", async () => {
    const run = await ccc(["reconcile", "--dry-run"], {
      env: { CCC_NIXOS_ANYWHERE: "nixos-anywhere", PATH: "/nonexistent" },
    });
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^0 ccc servers at Hetzner/) });
  });

  it("exits 1 when the work fails, saying what failed and that the server is gone", async () => {
    h.installer.behave({ exitCode: 1, errorOutput: "disko: no such disk /dev/sda" });
    const run = await ccc(["provision", "--ssh-key", makeKeyPair().publicKey]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /ccc: ccc-\w{6} failed: Installing NixOS failed \(exit code 1\): .*no such disk.*; the server was deleted\.\n$/,
    );
    expect(h.cloud.servers()).toEqual([]);
    // Its status says when and why it ended, with the installer's words for the operator (an admin).
    const id = /ccc-\w{6}/.exec(run.stderr)?.[0] ?? "";
    const shown = await ccc(["status", id]);
    expect(shown.stdout).not.toMatch(/ssh:|expires:|left/);
    expect(shown.stdout).toMatch(/\n {2}ended: {4}\d{4}-\d\d-\d\d \d\d:\d\d UTC \(failed by ccc\)\n/);
    expect(shown.stdout).toContain("\n  why:      Installing NixOS on the server failed.");
    expect(shown.stdout).toMatch(/\n {2}detail: {3}.*no such disk/);
    // And where the installer's whole log is, on the host.
    expect(shown.stdout).toContain(`Log: ${join(h.dir, "data", "logs", `${id}.log`)}.`);
    expect(JSON.parse((await ccc(["status", id, "--json"])).stdout)).toMatchObject({
      ssh: null,
      knownHosts: null,
      timeLeftMs: null,
      ended: { by: "ccc", why: "Installing NixOS on the server failed." },
    });
  });

  it("shows a deleted machine's end, not a way in or time left", async () => {
    const made = await ccc(["provision", "--user", "alice", "--ssh-key", makeKeyPair().publicKey, "--json"]);
    const { id } = JSON.parse(made.stdout);
    expect((await ccc(["deprovision", id])).code).toBe(0);
    const shown = await ccc(["status", id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toMatch(/ssh:|expires:|left/);
    expect(shown.stdout).toMatch(/\n {2}ended: {4}.* UTC \(deleted by opal\)\n {2}why: {6}\S/);
  });

  it("check-expired deletes what is due and DMs Slack owners when a bot token is set", async () => {
    const slack = await startFakeSlack();
    try {
      const made = await ccc([
        "provision",
        "--user",
        "U0ALICE",
        "--ssh-key",
        makeKeyPair().publicKey,
        "--json",
      ]);
      const { id } = JSON.parse(made.stdout);
      expect((await ccc(["check-expired"])).stdout).toBe("Nothing has expired.\n");
      now = new Date(now.getTime() + 5 * 3_600_000);
      const slackEnv = { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl };
      const swept = await ccc(["check-expired"], { env: slackEnv });
      expect(swept.code).toBe(0);
      expect(swept.stdout).toContain(`${id}: deleted`);
      expect(h.cloud.servers()).toEqual([]);
      expect(slack.calls("conversations.open").map((c) => c.body.users)).toEqual(["U0ALICE"]);
      expect(JSON.stringify(slack.messages()[0]?.blocks)).toContain(
        `*${id}* reached its expiry and was deleted`,
      );
    } finally {
      await slack.close();
    }
  });

  it("checks --user against Slack when a bot token is set: a name becomes the member id, an unknown id or name is refused", async () => {
    const slack = await startFakeSlack();
    try {
      slack.setUser("U0BOB", { name: "bob" });
      slack.setUser("U0SAM1", { name: "sam" });
      slack.setUser("U0SAM2", { displayName: "sam" });
      slack.setUser("U0GONE", { gone: true });
      const env = { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl };
      const key = makeKeyPair().publicKey;
      const made = await ccc(["provision", "--user", "bob", "--ssh-key", key, "--json"], { env });
      expect(made.code).toBe(0);
      expect(JSON.parse(made.stdout).owner).toBe("U0BOB");
      const gone = await ccc(["provision", "--user", "U0GONE", "--ssh-key", key], { env });
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toContain("--user U0GONE: Slack knows no member with that id");
      const nobody = await ccc(["list", "--user", "nobody"], { env });
      expect(nobody.code).not.toBe(0);
      expect(nobody.stderr).toContain("--user nobody: no Slack member answers to that name");
      const two = await ccc(["list", "--user", "sam"], { env });
      expect(two.stderr).toContain("--user sam: 2 Slack members answer to that name (U0SAM1, U0SAM2)");
      // Nothing was made for the refused ones: only Bob's machine.
      const all = JSON.parse((await ccc(["list", "--all", "--json"])).stdout);
      expect(all.map((m: { owner: string }) => m.owner)).toEqual(["U0BOB"]);
      // Without Slack settings an operator's plain name is still an owner.
      expect((await ccc(["list", "--user", "nobody"])).code).toBe(0);
      // People by their Slack display name in list, status and --json (ownerName beside owner).
      slack.setUser("U0BOB", { name: "bob", displayName: "Bobby T" });
      const id = JSON.parse(made.stdout).id;
      const listed = await ccc(["list", "--all"], { env });
      expect(listed.stdout).toMatch(new RegExp(`${id}\\s+Bobby T \\(U0BOB\\)\\s+ready`));
      expect((await ccc(["status", id], { env })).stdout).toContain("owner:    Bobby T (U0BOB)");
      const json = JSON.parse((await ccc(["status", id, "--json"], { env })).stdout);
      expect(json).toMatchObject({ owner: "U0BOB", ownerName: "Bobby T" });
      // usage too, an hour later: the row by name in the text, ownerName beside owner in --json.
      now = new Date(now.getTime() + 3_600_000);
      expect((await ccc(["usage"], { env })).stdout).toMatch(/^ {2}Bobby T \(U0BOB\) +€/m);
      const used = JSON.parse((await ccc(["usage", "--json"], { env })).stdout);
      expect(used.rows).toEqual([
        expect.objectContaining({ key: "U0BOB", owner: "U0BOB", ownerName: "Bobby T" }),
      ]);
      // Without a bot token: the id, and ownerName null.
      expect((await ccc(["status", id])).stdout).toContain("owner:    U0BOB\n");
      expect(JSON.parse((await ccc(["list", "--all", "--json"])).stdout)[0].ownerName).toBeNull();
    } finally {
      await slack.close();
    }
  });

  it("shows times in the local zone (TZ) with its abbreviation, in UTC with --utc, and refuses a bad TZ", async () => {
    now = new Date("2026-01-10T12:00:00Z");
    const key = makeKeyPair().publicKey;
    const made = await ccc(["provision", "--user", "alice", "--ssh-key", key, "--hours", "2", "--json"]);
    const { id, expiresAt } = JSON.parse(made.stdout);
    expect(expiresAt).toBe("2026-01-10T14:00:00.000Z"); // JSON stays ISO 8601 in UTC
    const berlin = { TZ: "Europe/Berlin" };
    expect((await ccc(["status", id], { env: berlin })).stdout).toContain("expires:  2026-01-10 15:00 CET");
    expect((await ccc(["list", "--all"], { env: { TZ: "America/New_York" } })).stdout).toContain(
      "2026-01-10 09:00 EST",
    );
    // --utc is global: before or after the verb.
    expect((await ccc(["status", id, "--utc"], { env: berlin })).stdout).toContain(
      "expires:  2026-01-10 14:00 UTC",
    );
    expect((await ccc(["--utc", "list", "--all"], { env: berlin })).stdout).toContain("2026-01-10 14:00 UTC");
    const bad = await ccc(["extend", id, "1"], { env: { TZ: "Mars/Olympus" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "TZ=Mars/Olympus is not a time zone: use a name like Europe/Berlin, or --utc.",
    );
    expect(JSON.parse((await ccc(["status", id, "--json"])).stdout).expiresAt).toBe(expiresAt);
  });

  it("lists server types with prices from the API", async () => {
    const run = await ccc(["types", "--location", "fsn1"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^TYPE\s+LOCATION\s+CPU\s+RAM\s+DISK\s+ARCH\s+€\/HOUR\s+€\/MONTH\n/);
    expect(run.stdout).not.toMatch(/cx22/);
    const json = JSON.parse((await ccc(["types", "--json"])).stdout);
    expect(json[0]).toEqual({
      name: expect.any(String),
      location: expect.any(String),
      cores: expect.any(Number),
      memoryGb: expect.any(Number),
      diskGb: expect.any(Number),
      architecture: expect.stringMatching(/^(x86|arm)$/),
      priceHourly: { amount: expect.stringMatching(/^\d+\.\d{6}$/), currency: "EUR" },
      priceMonthly: { amount: expect.stringMatching(/^\d+\.\d{2}$/), currency: "EUR" },
    });
  });
});

describe("the ccc executable", () => {
  it("works straight after install (npm ci builds dist/), running the compiled code", async () => {
    const help = await execa("node", [join(PROJECT_ROOT, "bin/ccc.js"), "provision", "--help"], {
      reject: false,
    });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("--ssh-key <file|-|key>");
    expect(help.stdout).toContain("Examples:");
    const listed = await execa("node", [join(PROJECT_ROOT, "bin/ccc.js"), "list", "--all", "--json"], {
      env: h.env,
      reject: false,
    });
    expect(listed).toMatchObject({ exitCode: 0, stdout: "[]" });
  });
});
