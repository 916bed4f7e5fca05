// A GITHUB_TOKEN / GITLAB_TOKEN set through the bot's doors (the HTTP API's PUT /me/secrets/{name} and the
// dashboard's secret form) is shown to its forge first, as through the CLI (test/commands/secret.test.ts):
// refused (401) in plain words with nothing stored; accepted, naming whose it is; a forge that cannot be
// reached does not block the person. The forges are the GitHub and GitLab stand-ins; a canary token is
// looked for in every answer, log line, the audit trail and ccc's files.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsKey } from "../../src/core/secrets/secret-cipher.ts";
import { readSecret } from "../../src/core/secrets/secrets.ts";
import { secretSetSchema } from "../../src/render/schemas/secret-schemas.ts";
import { type FakeGithub, startFakeGithub } from "../../stand-ins/fake-github.ts";
import { type FakeGitlab, startFakeGitlab } from "../../stand-ins/fake-gitlab.ts";
import { call, tokenFor } from "../api/api-client.ts";
import { ALICE, type BotHarness } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { baseOf, signInLink, WEB_ENV, WebClient } from "../web/web-world.ts";

const KEY = SecretsKey.generate();
const GH_WORKS = `ghp_${"w".repeat(36)}`;
const GL_WORKS = "glpat-works0123456789abcdefgh";
const GH_CANARY = `ghp_CANARY${"0".repeat(30)}`;
const GL_CANARY = "glpat-CANARYrefused0123456789";

let gitRoot: string;
let gh: FakeGithub;
let gl: FakeGitlab;
/** An address nothing answers at (a stand-in started and closed). */
let nowhere: string;

beforeAll(async () => {
  gitRoot = mkdtempSync(join(tmpdir(), "ccc-forge-token-"));
  gh = await startFakeGithub({ gitRoot, knownTokens: [GH_WORKS] });
  gl = await startFakeGitlab({ gitRoot });
  gl.addProject("acme/app", { private: true, tokens: [GL_WORKS] });
  const closed = await startFakeGithub({ gitRoot });
  await closed.close();
  nowhere = closed.url;
});

afterAll(async () => {
  await Promise.all([gh.close(), gl.close()]);
  rmSync(gitRoot, { recursive: true, force: true });
});

const forgeEnv = () => ({ CCC_GITHUB_API_URL: gh.url, CCC_GITLAB_API_URL: gl.apiUrl });
const b = useBotHarness(() => ({ env: { ...WEB_ENV, CCC_SECRETS_KEY: KEY.text, ...forgeEnv() } }));

/** Everything the bot logged or kept: its logs, the audit trail, its files. */
function everywhere(bot: BotHarness): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(readFileSync(path).toString("latin1"));
    }
  };
  walk(join(bot.h.dir, "data"));
  return [JSON.stringify(bot.logs), JSON.stringify(bot.running.bot.deps.store.events()), ...files].join("\n");
}

describe("a forge token set through the API", () => {
  it("is refused when the forge refuses it (422 token_refused, nothing stored), stored when it works", async () => {
    const alice = tokenFor(b, ALICE);
    const refused = await call(b, "PUT", "/me/secrets/GITHUB_TOKEN", {
      token: alice,
      body: { value: GH_CANARY },
    });
    expect(refused).toMatchObject({
      status: 422,
      error: {
        code: "token_refused",
        message:
          "GitHub does not accept this GITHUB_TOKEN (unknown, expired or revoked), so it was not stored. Make a new token on GitHub and set it again.",
      },
    });
    const refusedGl = await call(b, "PUT", "/me/secrets/GITLAB_TOKEN", {
      token: alice,
      body: { value: GL_CANARY },
    });
    expect(refusedGl).toMatchObject({ status: 422, error: { code: "token_refused" } });
    const deps = b.running.bot.deps;
    expect(deps.store.secrets.all()).toEqual([]);

    const works = await call(b, "PUT", "/me/secrets/GITHUB_TOKEN", {
      token: alice,
      body: { value: GH_WORKS },
    });
    expect(works.status).toBe(200);
    expect(secretSetSchema.parse(works.json)).toMatchObject({
      name: "GITHUB_TOKEN",
      tokenCheck: { forge: "github", outcome: "works", login: "ccc-tester" },
    });
    expect(readSecret(deps, ALICE, "GITHUB_TOKEN")?.reveal()).toBe(GH_WORKS);
    const worksGl = await call(b, "PUT", "/me/secrets/GITLAB_TOKEN", {
      token: alice,
      body: { value: GL_WORKS },
    });
    expect(secretSetSchema.parse(worksGl.json)).toMatchObject({
      tokenCheck: { forge: "gitlab", outcome: "works", login: "ccc-tester" },
    });
    // The served document knows the answer's new field and the refusal.
    const doc = JSON.stringify(await (await fetch(`${baseOf(b)}/api/v1/openapi.json`)).json());
    expect(doc).toContain("tokenCheck");

    const answers = [refused, refusedGl, works, worksGl].map((a) => JSON.stringify(a.json)).join("\n");
    for (const token of ["CANARY", GH_WORKS, GL_WORKS]) {
      expect(answers).not.toContain(token);
      expect(everywhere(b)).not.toContain(token);
    }
  });
});

describe("a forge token set on the dashboard", () => {
  it("says the forge refused it on the form (nothing stored, the value not sent back), or whose it is", async () => {
    const client = new WebClient(baseOf(b));
    const link = await signInLink(b, ALICE);
    const landing = await client.get(link);
    const token = /name="token" value="([^"]+)"/.exec(landing.text)?.[1] ?? "";
    expect((await client.post("/web/sign-in", { token, next: "secrets" })).status).toBe(303);
    const page = await client.get("/web/secrets");
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? "";

    const refused = await client.post("/web/secrets/set", { csrf, name: "GITHUB_TOKEN", value: GH_CANARY });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain("GitHub does not accept this GITHUB_TOKEN");
    expect(refused.text).toContain('value="GITHUB_TOKEN"');
    expect(b.running.bot.deps.store.secrets.all()).toEqual([]);

    const saved = await client.post("/web/secrets/set", { csrf, name: "GITHUB_TOKEN", value: GH_WORKS });
    expect(saved).toMatchObject({ status: 303 });
    const after = await client.get("/web/secrets");
    expect(after.text).toContain("GitHub accepts it: it works as @ccc-tester.");
    expect(readSecret(b.running.bot.deps, ALICE, "GITHUB_TOKEN")?.reveal()).toBe(GH_WORKS);
    for (const value of ["CANARY", GH_WORKS]) {
      expect(refused.text + after.text).not.toContain(value);
      expect(everywhere(b)).not.toContain(value);
    }
  });
});

describe("a forge that cannot be reached", () => {
  const unreachable = useBotHarness(() => ({
    env: { ...WEB_ENV, CCC_SECRETS_KEY: KEY.text, ...forgeEnv(), CCC_GITHUB_API_URL: nowhere },
  }));

  it("does not block the person: stored, and the answer says it could not be checked", async () => {
    const put = await call(unreachable, "PUT", "/me/secrets/GITHUB_TOKEN", {
      token: tokenFor(unreachable, ALICE),
      body: { value: GH_CANARY },
    });
    expect(put.status).toBe(200);
    expect(secretSetSchema.parse(put.json)).toMatchObject({
      tokenCheck: { forge: "github", outcome: "unchecked", reason: "GitHub did not answer" },
    });
    expect(readSecret(unreachable.running.bot.deps, ALICE, "GITHUB_TOKEN")?.reveal()).toBe(GH_CANARY);
    expect(JSON.stringify(put.json)).not.toContain("CANARY");
    expect(everywhere(unreachable)).not.toContain("CANARY");
  });
});
