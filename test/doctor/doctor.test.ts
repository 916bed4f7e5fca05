// `ccc doctor` through the real CLI door, against the fake Hetzner and fake Slack: each check passing and failing.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeSlack, MANIFEST_BOT_SCOPES, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";

const READ_ONLY = "read-only-hetzner-token";
const h = useHarness({ cloud: { readOnlyToken: READ_ONLY } });

let slack: FakeSlack | null = null;
let site: Server | null = null;
afterEach(async () => {
  await slack?.close();
  slack = null;
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  site = null;
});

/** A public URL whose /healthz answers `status`. */
async function publicSite(status = 200): Promise<string> {
  site = createServer((req, res) => res.writeHead(req.url === "/healthz" ? status : 404).end("ok"));
  await new Promise<void>((resolve) => site?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
}

/** Settings under which every check passes: Slack, a locked flake, a reachable public URL. */
async function healthyEnv(): Promise<Record<string, string>> {
  slack = await startFakeSlack();
  const flake = join(h.dir, "flake");
  mkdirSync(flake, { recursive: true });
  writeFileSync(join(flake, "flake.nix"), "{ outputs = _: {}; }\n");
  writeFileSync(join(flake, "flake.lock"), "{}\n");
  return {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    SLACK_SIGNING_SECRET: "s3cret",
    CCC_FLAKE_DIR: flake,
    CCC_PUBLIC_URL: await publicSite(),
  };
}

async function doctor(env: Record<string, string>) {
  const run = await runCcc(h, ["doctor"], { env });
  const lines = run.stdout.trim().split("\n");
  const line = (name: string) => lines.find((l) => l.includes(`  ${name}: `)) ?? "";
  return { ...run, lines, line };
}

describe("ccc doctor", () => {
  it("passes with one line per check and exit 0 when everything is in order", async () => {
    const run = await doctor(await healthyEnv());
    expect(run.stderr).toBe("");
    expect(run.lines.map((l) => l.split(":")[0])).toEqual([
      "ok    settings",
      "ok    hetzner",
      "ok    slack",
      "ok    installer",
      "ok    flake",
      "ok    catalog",
      "ok    database",
      "ok    public-url",
    ]);
    expect(run.line("hetzner")).toContain("reads and writes");
    expect(run.line("catalog")).toBe("ok    catalog: cx23 is offered in fsn1");
    expect(run.line("database")).toMatch(/schema version \d+ \(current\)/);
    expect(run.code).toBe(0);
    // The write probe created nothing.
    expect(h.cloud.sshKeys().filter((k) => k.name === "ccc-doctor-probe")).toEqual([]);
    const json = JSON.parse((await runCcc(h, ["doctor", "--json"], { env: await healthyEnv() })).stdout);
    expect(json[0]).toEqual({ name: "settings", status: "ok", message: expect.any(String) });
  });

  it("warns on an unknown CCC_ name with a did-you-mean, and warnings do not fail", async () => {
    const run = await doctor({ ...(await healthyEnv()), CCC_MAX_HOUR: "8" });
    expect(run.line("settings")).toBe(
      "WARN  settings: unknown setting, ignored: CCC_MAX_HOUR (did you mean CCC_MAX_HOURS?)",
    );
    expect(run.code).toBe(0);
    const bad = await doctor({ ...(await healthyEnv()), CCC_MAX_HOURS: "many" });
    expect(bad.line("settings")).toMatch(/^FAIL {2}settings: CCC_MAX_HOURS: /);
    expect(bad.code).toBe(1);
  });

  it("fails a read-only or refused Hetzner token, writing nothing", async () => {
    const env = await healthyEnv();
    const before = h.cloud.sshKeys().length;
    const readOnly = await doctor({ ...env, HCLOUD_TOKEN: READ_ONLY });
    expect(readOnly.line("hetzner")).toBe(
      "FAIL  hetzner: HCLOUD_TOKEN is read-only: ccc creates and deletes servers, so make a Read & Write token",
    );
    expect(readOnly.code).toBe(1);
    expect(h.cloud.requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["/ssh_keys"]);
    expect(h.cloud.sshKeys()).toHaveLength(before);
    const wrong = await doctor({ ...env, HCLOUD_TOKEN: "nope" });
    expect(wrong.line("hetzner")).toContain("Hetzner refuses HCLOUD_TOKEN (401 unauthorized)");
    expect(wrong.line("catalog")).toMatch(/^FAIL/);
    expect(wrong.stdout).not.toContain("nope");
  });

  it("fails a refused Slack token or one without the manifest's scopes, and only warns without Slack", async () => {
    const env = await healthyEnv();
    const refused = await doctor({ ...env, SLACK_BOT_TOKEN: "xoxb-wrong" });
    expect(refused.line("slack")).toBe("FAIL  slack: auth.test refuses SLACK_BOT_TOKEN: invalid_auth");
    expect(refused.stdout).not.toContain("xoxb-wrong");
    slack?.setScopes(MANIFEST_BOT_SCOPES.filter((s) => s !== "users:read.email" && s !== "im:write"));
    const scopes = await doctor(env);
    expect(scopes.line("slack")).toBe(
      "FAIL  slack: the bot token lacks scopes im:write, users:read.email (manifest.yml asks for them): reinstall the app",
    );
    expect(scopes.code).toBe(1);
    const { SLACK_BOT_TOKEN: _, ...noSlack } = env;
    const none = await doctor(noSlack);
    expect(none.line("slack")).toMatch(/^WARN {2}slack: SLACK_BOT_TOKEN is not set/);
    expect(none.code).toBe(0);
  });

  it("fails a missing installer, a missing flake and a default type not offered; warns on an unlocked flake", async () => {
    const env = await healthyEnv();
    const installer = await doctor({ ...env, CCC_NIXOS_ANYWHERE: join(h.dir, "no-such-installer") });
    expect(installer.line("installer")).toMatch(
      /^FAIL {2}installer: CCC_NIXOS_ANYWHERE: .* is not an executable/,
    );
    expect(installer.code).toBe(1);
    const empty = join(h.dir, "empty");
    mkdirSync(empty);
    expect((await doctor({ ...env, CCC_FLAKE_DIR: empty })).line("flake")).toBe(
      `FAIL  flake: CCC_FLAKE_DIR: no flake.nix in ${empty}`,
    );
    writeFileSync(join(empty, "flake.nix"), "{ outputs = _: {}; }\n");
    const unlocked = await doctor({ ...env, CCC_FLAKE_DIR: empty });
    expect(unlocked.line("flake")).toMatch(/^WARN {2}flake: no flake\.lock in .*before any provision$/);
    expect(unlocked.code).toBe(0);
    const type = await doctor({ ...env, CCC_DEFAULT_SERVER_TYPE: "cx999" });
    expect(type.line("catalog")).toBe(
      "FAIL  catalog: CCC_DEFAULT_SERVER_TYPE cx999 is not a Hetzner server type",
    );
    expect(type.code).toBe(1);
  });

  it("checks the database without creating or migrating it", async () => {
    const env = await healthyEnv();
    const missing = join(h.dir, "other", "ccc.db");
    const none = await doctor({ ...env, CCC_DB_PATH: missing });
    expect(none.line("database")).toBe(
      `WARN  database: no database at ${missing} yet: \`ccc init\` or the bot's first start creates it`,
    );
    const old = join(h.dir, "old.db");
    const db = new Database(old);
    db.pragma("user_version = 1");
    db.close();
    const stale = await doctor({ ...env, CCC_DB_PATH: old });
    expect(stale.line("database")).toMatch(
      /^WARN {2}database: .* is at schema version 1, this ccc needs \d+: run `ccc migrate`/,
    );
    const after = new Database(old);
    expect(after.pragma("user_version", { simple: true })).toBe(1);
    after.close();
    // Another process holding the write lock (file modes would not stop root, who runs some CI).
    const holder = new Database(old);
    holder.exec("BEGIN IMMEDIATE");
    try {
      const locked = await doctor({ ...env, CCC_DB_PATH: old });
      expect(locked.line("database")).toMatch(
        /^FAIL {2}database: .* does not take writes: database is locked/,
      );
      expect(locked.code).toBe(1);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });

  it("fails a public URL whose /healthz does not answer", async () => {
    const env = await healthyEnv();
    const down = await doctor({ ...env, CCC_PUBLIC_URL: "http://127.0.0.1:9/" });
    expect(down.line("public-url")).toMatch(
      /^FAIL {2}public-url: http:\/\/127\.0\.0\.1:9\/healthz cannot be reached/,
    );
    expect(down.code).toBe(1);
    const wrong = await doctor({ ...env, CCC_PUBLIC_URL: await publicSite(503) });
    expect(wrong.line("public-url")).toMatch(/answered HTTP 503$/);
  });
});
