// ccc's children get what they need to work and none of ccc's secrets: the installer run by a real
// bot process whose environment holds the Hetzner token and the Slack secrets, and the machine
// channel's ssh.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { minimalChildEnv } from "../../src/adapters/child-env.ts";
import { SshMachineChannel } from "../../src/adapters/ssh-machine-channel.ts";
import { deprovision } from "../../src/commands/deprovision.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { startBotProcessWorld } from "../helpers/bot-process-world.ts";
import { makeKeyPair, writeOperatorKey } from "../helpers/keys.ts";

const SECRET = "child-env-signing-secret";
const SECRET_NAMES = ["HCLOUD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SSH_AUTH_SOCK"];

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
  vi.unstubAllEnvs();
});

describe("minimalChildEnv", () => {
  it("keeps what nix, ssh and the installer need and drops everything else", () => {
    const kept = minimalChildEnv({
      PATH: "/run/current-system/sw/bin",
      HOME: "/var/lib/ccc",
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      TZ: "UTC",
      TMPDIR: "/tmp/x",
      NIX_PATH: "nixpkgs=/nix/var/nix/profiles/per-user/root/channels/nixpkgs",
      NIX_SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
      HTTPS_PROXY: "http://proxy:3128",
      HCLOUD_TOKEN: "planted-hcloud",
      HCLOUD_ENDPOINT: "https://api.hetzner.cloud/v1",
      SLACK_BOT_TOKEN: "xoxb-planted",
      SLACK_APP_TOKEN: "xapp-planted",
      SLACK_SIGNING_SECRET: "planted",
      STRIPE_SECRET_KEY: "sk_test_planted",
      CCC_OPERATOR_SSH_KEY: "/etc/ccc/operator",
      SSH_AUTH_SOCK: "/run/user/0/agent.sock",
      NODE_OPTIONS: "--require /tmp/evil.js",
      DISPLAY: ":0",
      UNSET: undefined,
    });
    expect(Object.keys(kept).sort()).toEqual([
      "HOME",
      "HTTPS_PROXY",
      "LANG",
      "LC_ALL",
      "NIX_PATH",
      "NIX_SSL_CERT_FILE",
      "PATH",
      "TMPDIR",
      "TZ",
    ]);
    expect(kept.HOME).toBe("/var/lib/ccc");
  });
});

describe("the installer run by the bot's own process", () => {
  it("gets PATH and HOME but no token, no signing secret and no SSH agent", async () => {
    const world = await startBotProcessWorld(SECRET, (h) => ({ SSH_AUTH_SOCK: join(h.dir, "agent.sock") }));
    cleanup.push(() => world.close());
    const { h, send } = world;

    await send.submitProvision("U0ALICE", { sshKey: makeKeyPair().publicKey, location: "fsn1", hours: "1" });
    const [call] = await vi.waitFor(
      () => {
        const calls = h.installer.calls();
        expect(calls).toHaveLength(1);
        return calls;
      },
      { timeout: 15_000, interval: 50 },
    );
    const names = call?.envNames ?? [];
    for (const name of SECRET_NAMES) expect(names).not.toContain(name);
    expect(names.filter((n) => /^(CCC_|SLACK_|HCLOUD_|STRIPE_)/.test(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(["PATH", "HOME"]));

    const [instance] = await vi.waitFor(
      () => {
        const ready = h.deps.store.list().filter((i) => i.status === "ready");
        expect(ready).toHaveLength(1);
        return ready;
      },
      { timeout: 15_000, interval: 50 },
    );
    await deprovision({ deps: h.deps, actor: { id: "ops", isAdmin: true } }, { id: instance?.id ?? "" });
    expect(h.cloud.servers()).toEqual([]);
  });
});

describe("the machine channel's ssh", () => {
  it("runs with the environment it is given, not this process's", async () => {
    vi.stubEnv("HCLOUD_TOKEN", "planted-in-this-process");
    vi.stubEnv("SLACK_BOT_TOKEN", "xoxb-planted-in-this-process");
    const dir = mkdtempSync(join(tmpdir(), "ccc-child-env-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // Stands in for ssh: writes down the names of its environment variables, then fails like ssh does.
    const names = join(dir, "names");
    const fakeSsh = join(dir, "ssh");
    writeFileSync(
      fakeSsh,
      `#!/bin/sh\nexec '${process.execPath}' -e 'require("node:fs").writeFileSync(process.argv[1], Object.keys(process.env).join("\\n"))' '${names}'\n`,
    );
    chmodSync(fakeSsh, 0o755);
    const channel = new SshMachineChannel({
      identityFile: writeOperatorKey(dir),
      instancesDir: join(dir, "instances"),
      ssh: fakeSsh,
      env: minimalChildEnv(process.env),
    });
    await channel.apply(
      { instanceId: "ccc-abc234", host: "127.0.0.1", port: 22, hostKey: generateHostKey("x").publicKey },
      {
        version: 1,
        instanceId: "ccc-abc234",
        owner: "U0ALICE",
        expiresAt: "2026-11-25T12:00:00Z",
        authorizedKeys: [makeKeyPair().publicKey],
      },
    );
    const seen = readFileSync(names, "utf8").split("\n");
    expect(seen).not.toContain("HCLOUD_TOKEN");
    expect(seen).not.toContain("SLACK_BOT_TOKEN");
    expect(seen).toContain("PATH");
  });
});
