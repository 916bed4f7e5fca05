// `ccc secret` through the CLI door, against real machines: a real sshd per machine with the real
// ccc-apply, the real SQLite file, the real cipher. A canary value is looked for everywhere it must not be.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Logger } from "../../src/core/ports/logger.ts";
import { SecretsKey } from "../../src/core/secrets/secret-cipher.ts";
import { hasClaudeCredential, readSecret } from "../../src/core/secrets/secrets.ts";
import { type FakeGithub, startFakeGithub } from "../../stand-ins/fake-github.ts";
import { type FakeGitlab, startFakeGitlab } from "../../stand-ins/fake-gitlab.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { plant, realTimeCloud } from "../lifecycle/world.ts";
import { bootSecretsMachine, SECRETS_GID, type SecretsMachine } from "../secrets/secrets-world.ts";

const CANARY = "sk-ant-api03-CANARYcanary0123456789abcdefXYZ_-AAAA";
/** A free-form value with everything a shell would take specially. */
const ODD = 'it\'s $HOME `x` \\ "q" ;|&';
const KEY = SecretsKey.generate();

let h: Harness;
let deps: CoreDeps;
const machines: SecretsMachine[] = [];
const logged: string[] = [];
const log: Logger = {
  info: (m, f) => void logged.push(`${m} ${JSON.stringify(f ?? {})}`),
  warn: (m, f) => void logged.push(`${m} ${JSON.stringify(f ?? {})}`),
  error: (m, f) => void logged.push(`${m} ${JSON.stringify(f ?? {})}`),
};

/** Tokens the forge stand-ins accept (`GET /user` answers whose they are); any other is refused (401). */
const GH_WORKS = `ghp_${"a".repeat(36)}`;
const GL_WORKS = "glpat-works0123456789abcdefgh";
let gh: FakeGithub;
let gl: FakeGitlab;
/** Where the forges are for every `ccc` here (never the real ones). */
let forgeEnv: Record<string, string>;

beforeEach(async () => {
  h = await startHarness({ manualSsh: true, env: { CCC_SECRETS_KEY: KEY.text } });
  deps = h.compose({ cloud: realTimeCloud(h) });
  logged.length = 0;
  gh = await startFakeGithub({ gitRoot: join(h.dir, "git"), knownTokens: [GH_WORKS] });
  gl = await startFakeGitlab({ gitRoot: join(h.dir, "git") });
  gl.addProject("acme/app", { private: true, tokens: [GL_WORKS] });
  forgeEnv = { CCC_GITHUB_API_URL: gh.url, CCC_GITLAB_API_URL: gl.apiUrl };
});

afterEach(async () => {
  await Promise.all(machines.splice(0).map((m) => m.sshd.stop()));
  await Promise.all([gh.close(), gl.close()]);
  await h.close();
});

const ccc = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
  runCcc(h, args, { ...options, env: { ...forgeEnv, ...options.env }, compose: { log } });

async function liveMachines(n: number, owner = "U0ALICE"): Promise<SecretsMachine[]> {
  for (let i = 0; i < n; i++) {
    const { instance } = await plant(deps, { owner, minutes: 120 });
    machines.push(await bootSecretsMachine(deps, instance, h.dir));
  }
  return machines.slice(-n);
}

/** Every file under `dir`, as bytes, that holds `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const s = statSync(path);
      if (s.isDirectory()) walk(path);
      else if (s.isFile() && readFileSync(path).includes(Buffer.from(needle))) found.push(path);
    }
  };
  walk(dir);
  return found;
}

describe("ccc secret, key and checks", () => {
  it("sets, lists and deletes a person's secrets; the value is stored sealed and listed nowhere", async () => {
    const set = await ccc(["secret", "set", "ANTHROPIC_API_KEY", "--user", "U0ALICE"], {
      stdin: `${CANARY}\n`,
    });
    expect(set).toMatchObject({ code: 0 });
    expect(set.stdout).toContain("ANTHROPIC_API_KEY (claude) set for U0ALICE; stored encrypted.");
    const list = await ccc(["secret", "list", "--user", "U0ALICE", "--json"]);
    expect(JSON.parse(list.stdout)).toEqual({
      user: "U0ALICE",
      secrets: [
        {
          name: "ANTHROPIC_API_KEY",
          kind: "claude",
          setAt: expect.any(String),
          setBy: "opal",
          lastUsedAt: null,
        },
      ],
    });
    expect(readSecret(deps, "U0ALICE", "ANTHROPIC_API_KEY")?.reveal()).toBe(CANARY);
    expect(hasClaudeCredential(deps, "U0ALICE")).toBe(true);
    expect(hasClaudeCredential(deps, "U0BOB")).toBe(false);
    const del = await ccc(["secret", "delete", "ANTHROPIC_API_KEY", "--user", "U0ALICE"]);
    expect(del).toMatchObject({ code: 0, stdout: "ANTHROPIC_API_KEY deleted for U0ALICE.\n" });
    expect(readSecret(deps, "U0ALICE", "ANTHROPIC_API_KEY")).toBeNull();
    const again = await ccc(["secret", "delete", "ANTHROPIC_API_KEY", "--user", "U0ALICE"]);
    expect(again).toMatchObject({ code: 2, stderr: "ccc: U0ALICE has no secret ANTHROPIC_API_KEY.\n" });
    // The audit trail has names only; the database file and its journal never held the value in clear.
    const events = deps.store.events().filter((e) => e.kind.startsWith("secret"));
    expect(events.map((e) => `${e.kind} ${e.detail}`)).toEqual([
      "secret_set ANTHROPIC_API_KEY of U0ALICE",
      "secret_deleted ANTHROPIC_API_KEY of U0ALICE",
    ]);
    expect(filesHolding(h.dir, CANARY)).toEqual([]);
    expect(filesHolding(h.dir, "CANARYcanary")).toEqual([]);
    expect(`${set.stdout}${set.stderr}${list.stdout}${del.stdout}${logged.join("\n")}`).not.toContain(
      "CANARY",
    );
  });

  it("refuses names the machine needs, values of the wrong form and secrets with no key, storing nothing", async () => {
    const cases: [string, string, RegExp][] = [
      ["PATH", "/evil", /PATH cannot be a secret/],
      ["LD_PRELOAD", "/x.so", /LD_PRELOAD cannot be a secret/],
      ["lower_case", "x", /is not an environment variable name/],
      [
        "ANTHROPIC_API_KEY",
        "ghp_CANARY000000000000000000000000000000",
        /an Anthropic API key starts with sk-ant-api/,
      ],
      ["GITHUB_TOKEN", "sk-ant-api03-CANARY00000000000000000000", /a GitHub token starts with/],
      ["MY_SETTING", "two\nCANARY lines", /line break/],
    ];
    for (const [name, value, message] of cases) {
      const run = await ccc(["secret", "set", name, "--user", "U0ALICE"], { stdin: value });
      expect(run.code, name).toBe(2);
      expect(run.stderr, name).toMatch(message);
      expect(run.stderr + run.stdout, name).not.toContain("CANARY");
    }
    const off = await ccc(["secret", "set", "MY_SETTING"], { stdin: "CANARY", env: { CCC_SECRETS_KEY: "" } });
    expect(off.code).toBe(2);
    expect(off.stderr).toContain("Secrets are off here: the operator has not set CCC_SECRETS_KEY");
    const badKey = await ccc(["secret", "list"], { env: { CCC_SECRETS_KEY: "c2hvcnQ=" } });
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain("CCC_SECRETS_KEY: must be 32 random bytes in base64");
    expect(badKey.stderr).not.toContain("c2hvcnQ");
    expect(deps.store.secrets.all()).toEqual([]);
  });

  it("names a wrong key instead of opening garbage, and rotates to a new key with rekey", async () => {
    expect(
      (await ccc(["secret", "set", "GITHUB_TOKEN", "--user", "U0ALICE"], { stdin: GH_WORKS })).code,
    ).toBe(0);
    const other = SecretsKey.generate();
    const wrong = await ccc(["secret", "set", "OTHER", "--user", "U0ALICE"], {
      stdin: "x",
      env: { CCC_SECRETS_KEY: other.text },
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      `The secrets were sealed with key ${KEY.key.id}, but the key ccc has now is ${other.key.id}`,
    );
    expect(() => readSecret({ ...deps, secretsKey: other.key }, "U0ALICE", "GITHUB_TOKEN")).toThrow(
      /sealed with key/,
    );

    const rekey = await ccc(["secrets", "rekey"], { stdin: `${other.text}\n` });
    expect(rekey).toMatchObject({ code: 0 });
    expect(rekey.stdout).toContain(`1 secrets re-sealed from key ${KEY.key.id} to ${other.key.id}`);
    expect(rekey.stdout + rekey.stderr).not.toContain(other.text);
    expect(() => readSecret(deps, "U0ALICE", "GITHUB_TOKEN")).toThrow(/sealed with key/);
    expect(readSecret({ ...deps, secretsKey: other.key }, "U0ALICE", "GITHUB_TOKEN")?.reveal()).toBe(
      GH_WORKS,
    );
    const list = await ccc(["secret", "list", "--user", "U0ALICE"], { env: { CCC_SECRETS_KEY: other.text } });
    expect(list.stdout).toContain("GITHUB_TOKEN");
    // A value moved onto another person's row does not open: the owner and name are bound to it.
    const row = deps.store.secrets.get("U0ALICE", "GITHUB_TOKEN");
    expect(() => other.key.open("U0BOB", "GITHUB_TOKEN", row?.sealed ?? "", row?.keyId ?? "")).toThrow(
      /does not open/,
    );
  });
});

describe("a forge token is shown to its forge before it is stored", () => {
  /** The forge stand-in's `GET /user` calls, with the token each carried. */
  const userChecks = () => [
    ...gh.calls.filter((c) => c.path === "/user").map((c) => `github ${c.token}`),
    ...gl.calls.filter((c) => c.path === "/api/v4/user").map((c) => `gitlab ${c.token}`),
  ];

  it("refuses a token the forge does not accept (401), in plain words, storing nothing and echoing nothing", async () => {
    const refusedGh = `ghp_CANARY${"0".repeat(30)}`;
    const refusedGl = "glpat-CANARYrefused0123456789";
    const gitHub = await ccc(["secret", "set", "GITHUB_TOKEN", "--user", "U0ALICE"], { stdin: refusedGh });
    expect(gitHub.code).toBe(2);
    expect(gitHub.stderr).toContain(
      "GitHub does not accept this GITHUB_TOKEN (unknown, expired or revoked), so it was not stored. Make a new token on GitHub and set it again.",
    );
    const gitLab = await ccc(["secret", "set", "GITLAB_TOKEN", "--user", "U0ALICE"], { stdin: refusedGl });
    expect(gitLab.code).toBe(2);
    expect(gitLab.stderr).toContain("GitLab does not accept this GITLAB_TOKEN");
    // Each went to its own forge's token check, and nowhere else.
    expect(userChecks()).toEqual([`github ${refusedGh}`, `gitlab ${refusedGl}`]);
    expect(deps.store.secrets.all()).toEqual([]);
    const json = await ccc(["secret", "set", "GITHUB_TOKEN", "--json"], { stdin: refusedGh });
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "token_refused" } });
    expect(deps.store.events().map((e) => e.kind)).not.toContain("secret_set");
    const said = [gitHub, gitLab, json].map((r) => r.stdout + r.stderr).join("\n");
    expect(`${said}${logged.join("\n")}`).not.toContain("CANARY");
    expect(filesHolding(h.dir, "CANARY")).toEqual([]);
  });

  it("stores one the forge accepts and says whose it is; a value of the wrong form never reaches the forge", async () => {
    const gitHub = await ccc(["secret", "set", "GITHUB_TOKEN", "--user", "U0ALICE"], { stdin: GH_WORKS });
    expect(gitHub.code, gitHub.stderr).toBe(0);
    expect(gitHub.stdout).toContain("GITHUB_TOKEN (git) set for U0ALICE; stored encrypted.");
    expect(gitHub.stdout).toContain("GitHub accepts it: it works as @ccc-tester.");
    const gitLab = await ccc(["secret", "set", "GITLAB_TOKEN", "--user", "U0ALICE", "--json"], {
      stdin: GL_WORKS,
    });
    expect(gitLab.code, gitLab.stderr).toBe(0);
    expect(JSON.parse(gitLab.stdout)).toMatchObject({
      name: "GITLAB_TOKEN",
      tokenCheck: { forge: "gitlab", outcome: "works", login: "ccc-tester" },
    });
    expect(readSecret(deps, "U0ALICE", "GITHUB_TOKEN")?.reveal()).toBe(GH_WORKS);
    expect(readSecret(deps, "U0ALICE", "GITLAB_TOKEN")?.reveal()).toBe(GL_WORKS);
    // Other secrets are not a forge's business; a malformed token is refused before anyone is asked.
    expect((await ccc(["secret", "set", "MY_SETTING"], { stdin: "x" })).code).toBe(0);
    expect((await ccc(["secret", "set", "GITHUB_TOKEN"], { stdin: "not-a-token" })).code).toBe(2);
    expect(userChecks()).toEqual([`github ${GH_WORKS}`, `gitlab ${GL_WORKS}`]);
    expect(`${gitHub.stdout}${gitLab.stdout}${logged.join("\n")}`).not.toContain(GH_WORKS);
    expect(`${gitHub.stdout}${gitLab.stdout}${logged.join("\n")}`).not.toContain(GL_WORKS);
  });

  it("stores it all the same when the forge cannot be reached, saying it could not be checked", async () => {
    const closed = await startFakeGithub({ gitRoot: join(h.dir, "git") });
    await closed.close();
    const token = `ghp_CANARY${"1".repeat(30)}`;
    const run = await ccc(["secret", "set", "GITHUB_TOKEN"], {
      stdin: token,
      env: { CCC_GITHUB_API_URL: closed.url },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      "It could not be checked (GitHub did not answer), so it is stored as given; a task or a clone tells if GitHub refuses it.",
    );
    expect(readSecret(deps, "opal", "GITHUB_TOKEN")?.reveal()).toBe(token);
    expect(`${run.stdout}${run.stderr}${logged.join("\n")}`).not.toContain("CANARY");
  });
});

describe.skipIf(sshdMissingReason !== null)("ccc secret on live machines", () => {
  it("puts the value on every live machine of the person at once, and takes it off on delete", async () => {
    const [one, two] = await liveMachines(2);
    const [bobs] = await liveMachines(1, "U0BOB");
    const set = await ccc(["secret", "set", "ANTHROPIC_API_KEY", "--user", "U0ALICE"], {
      stdin: `${CANARY}\n`,
    });
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`${one?.instance.id}: live now`);
    expect(set.stdout).toContain(`${two?.instance.id}: live now`);
    const escaped = `ANTHROPIC_API_KEY='${CANARY}'\n`;
    for (const m of [one, two]) {
      expect(m?.file()).toBe(escaped);
      expect(m?.stat()).toEqual({ uid: 0, gid: SECRETS_GID, mode: 0o440 });
      expect(m?.sshd.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);
    }
    expect(bobs?.file()).toBeNull();
    // The login shell reads it back exactly.
    const shell = execFileSync("sh", [
      "-c",
      `set -a; . '${one?.root}/run/ccc/secrets.env'; set +a; printf %s "$ANTHROPIC_API_KEY"`,
    ]);
    expect(shell.toString()).toBe(CANARY);
    expect(deps.store.secrets.get("U0ALICE", "ANTHROPIC_API_KEY")?.usedAt).not.toBeNull();

    await ccc(["secret", "set", "MY_SETTING", "--user", "U0ALICE"], { stdin: ODD });
    const odd = `MY_SETTING='${ODD.replaceAll("'", `'\\''`)}'\n`;
    expect(one?.file()).toBe(`${escaped}${odd}`);
    const read = execFileSync("sh", [
      "-c",
      `set -a; . '${one?.root}/run/ccc/secrets.env'; set +a; printf %s "$MY_SETTING"`,
    ]);
    expect(read.toString()).toBe(ODD);
    const del = await ccc(["secret", "delete", "ANTHROPIC_API_KEY", "--user", "U0ALICE"]);
    expect(del.stdout).toContain(`${two?.instance.id}: live now`);
    expect(one?.file()).toBe(odd);
    await ccc(["secret", "delete", "MY_SETTING", "--user", "U0ALICE"]);
    expect(one?.file()).toBeNull();
    expect(two?.file()).toBeNull();
    // Nothing of the value in ccc's own files (the database, known_hosts, logs) or what it printed and logged.
    expect(filesHolding(join(h.dir, "data"), "CANARY")).toEqual([]);
    expect(`${set.stdout}${set.stderr}${del.stdout}${logged.join("\n")}`).not.toContain("CANARY");
    expect(logged.join("\n")).toContain("secrets delivered");
  });

  it("says which machine was not reached, and keeps the secret", async () => {
    const [up] = await liveMachines(1);
    const { instance: down } = await plant(deps, { owner: "U0ALICE", minutes: 120 });
    deps.store.update(down.id, { hostKey: up?.instance.hostKey ?? null }, { actor: "t", kind: "x" });
    const set = await ccc(["secret", "set", "MY_SETTING", "--user", "U0ALICE"], { stdin: "v" });
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`${up?.instance.id}: live now`);
    expect(set.stdout).toMatch(new RegExp(`${down.id}: not reached: .*cannot be reached over SSH`));
    expect(deps.store.secrets.get("U0ALICE", "MY_SETTING")).not.toBeNull();
  });
});

describe("a fresh install with a secret on record", () => {
  it("keeps the value out of the installer's environment and arguments, the flake and instance.json", async () => {
    const fresh = await startHarness({ env: { CCC_SECRETS_KEY: KEY.text } });
    try {
      const set = await runCcc(fresh, ["secret", "set", "ANTHROPIC_API_KEY", "--user", "opal"], {
        stdin: CANARY,
      });
      expect(set.code).toBe(0);
      const made = await runCcc(fresh, ["provision", "--ssh-key", makeKeyPair().publicKey]);
      expect(made.code).toBe(0);
      const [call] = fresh.installer.calls();
      expect(call?.envNames).not.toContain("ANTHROPIC_API_KEY");
      expect(JSON.stringify(call)).not.toContain("CANARY");
      // The flake folder, instance.json, the installer's log and target, the database: none holds it.
      expect(filesHolding(fresh.dir, "CANARY")).toEqual([]);
      expect(readdirSync(join(fresh.dir, "data", "instances")).length).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });
});
