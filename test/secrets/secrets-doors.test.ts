// Secrets through the bot's doors: the HTTP API (/api/v1/me/secrets), Slack (`/ccc secret` answers with
// a one-time link to the form; a pasted key is refused) and the dashboard's form with its password
// field. A canary value is looked for in every answer, DM, log line, the audit trail, /metrics and
// ccc's files.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretsKey } from "../../src/core/secrets/secret-cipher.ts";
import { readSecret } from "../../src/core/secrets/secrets.ts";
import {
  secretDeletedSchema,
  secretListSchema,
  secretSetSchema,
} from "../../src/render/schemas/secret-schemas.ts";
import { call, tokenFor } from "../api/api-client.ts";
import { ALICE, BOB, type BotHarness, command } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { baseOf, local, PUBLIC_URL, WEB_ENV, WebClient } from "../web/web-world.ts";

const KEY = SecretsKey.generate();
const CANARY = "sk-ant-api03-CANARYdoors0123456789abcdefXYZ-AAAA";

const b = useBotHarness(() => ({ env: { ...WEB_ENV, CCC_SECRETS_KEY: KEY.text } }));

/** Everything the bot said or kept, as one text: answers are checked separately. */
async function everywhere(bot: BotHarness): Promise<string> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(readFileSync(path).toString("latin1"));
    }
  };
  walk(join(bot.h.dir, "data"));
  const metrics = await (await fetch(`http://127.0.0.1:${bot.running.port}/metrics`)).text();
  return [
    JSON.stringify(bot.logs),
    JSON.stringify(bot.slack.messages()),
    JSON.stringify(bot.slack.calls("response_url")),
    JSON.stringify(bot.running.bot.deps.store.events()),
    metrics,
    ...files,
  ].join("\n");
}

describe("secrets through the API", () => {
  it("sets, shows, lists and deletes the token's person's secrets, never answering a value", async () => {
    const alice = tokenFor(b, ALICE);
    // A `user` in the body is not the client's to choose: refused, naming it, and nothing stored.
    const someoneElse = await call(b, "PUT", "/me/secrets/ANTHROPIC_API_KEY", {
      token: alice,
      body: { value: CANARY, user: BOB },
    });
    expect(someoneElse).toMatchObject({ status: 422, error: { code: "unknown_field", field: "user" } });
    expect(readSecret(b.running.bot.deps, BOB, "ANTHROPIC_API_KEY")).toBeNull();
    expect(readSecret(b.running.bot.deps, ALICE, "ANTHROPIC_API_KEY")).toBeNull();
    const put = await call(b, "PUT", "/me/secrets/ANTHROPIC_API_KEY", {
      token: alice,
      body: { value: CANARY },
    });
    expect(put.status).toBe(200);
    expect(secretSetSchema.parse(put.json)).toMatchObject({
      name: "ANTHROPIC_API_KEY",
      kind: "claude",
      replaced: false,
      machines: [],
    });
    const deps = b.running.bot.deps;
    expect(readSecret(deps, ALICE, "ANTHROPIC_API_KEY")?.reveal()).toBe(CANARY);
    expect(readSecret(deps, BOB, "ANTHROPIC_API_KEY")).toBeNull();
    const one = await call(b, "GET", "/me/secrets/ANTHROPIC_API_KEY", { token: alice });
    expect(one.json).toMatchObject({ name: "ANTHROPIC_API_KEY", kind: "claude", setBy: ALICE });
    const list = await call(b, "GET", "/me/secrets", { token: alice });
    expect(secretListSchema.parse(list.json).secrets.map((s) => s.name)).toEqual(["ANTHROPIC_API_KEY"]);
    const bobs = await call(b, "GET", "/me/secrets", { token: tokenFor(b, BOB) });
    expect(secretListSchema.parse(bobs.json).secrets).toEqual([]);

    const bad = await call(b, "PUT", "/me/secrets/PATH", { token: alice, body: { value: "x" } });
    expect(bad).toMatchObject({ status: 422, error: { field: "name" } });
    const wrongForm = await call(b, "PUT", "/me/secrets/GITHUB_TOKEN", {
      token: alice,
      body: { value: CANARY },
    });
    expect(wrongForm).toMatchObject({ status: 422, error: { code: "bad_secret_form" } });
    const noValue = await call(b, "PUT", "/me/secrets/MY_SETTING", { token: alice, body: {} });
    expect(noValue).toMatchObject({ status: 422, error: { field: "value" } });

    const del = await call(b, "DELETE", "/me/secrets/ANTHROPIC_API_KEY", { token: alice });
    expect(secretDeletedSchema.parse(del.json)).toMatchObject({ name: "ANTHROPIC_API_KEY", deleted: true });
    expect((await call(b, "GET", "/me/secrets/ANTHROPIC_API_KEY", { token: alice })).status).toBe(404);

    const doc = await (await fetch(`${baseOf(b)}/api/v1/openapi.json`)).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/me/secrets", "/api/v1/me/secrets/{name}"]),
    );
    expect(Object.keys(doc.paths["/api/v1/me/secrets/{name}"]).sort()).toEqual(["delete", "get", "put"]);

    const answers = [someoneElse, put, one, list, bad, wrongForm, del]
      .map((a) => JSON.stringify(a.json))
      .join("\n");
    expect(answers).not.toContain("CANARY");
    expect(await everywhere(b)).not.toContain("CANARY");
  });
});

describe("secrets in Slack and on the dashboard", () => {
  it("answers /ccc secret with a one-time link that opens the form, which stores the value and never shows it", async () => {
    expect(await command(b, ALICE, "secret")).toContain("I sent you a one-time link in a DM");
    const dm = await b.slack.waitFor(() => b.slack.messages().find((m) => m.text.includes("next=secrets")));
    const link = /https?:\/\/\S+?next=secrets/.exec(dm.text)?.[0] ?? "";
    expect(link.startsWith(`${PUBLIC_URL}/web/sign-in?token=`)).toBe(true);

    const client = new WebClient(baseOf(b));
    const landing = await client.get(local(b, link));
    expect(landing.text).toContain("Continue to your secrets");
    const token = /name="token" value="([^"]+)"/.exec(landing.text)?.[1] ?? "";
    const signedIn = await client.post("/web/sign-in", { token, next: "secrets" });
    expect(signedIn).toMatchObject({ status: 303 });
    expect(signedIn.headers.get("location")).toBe("/web/secrets");
    // The link worked once.
    expect((await new WebClient(baseOf(b)).post("/web/sign-in", { token, next: "secrets" })).status).toBe(
      403,
    );

    const page = await client.get("/web/secrets");
    expect(page.text).toMatch(/<input id="secret-value" name="value" type="password"/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? "";
    const refused = await client.post("/web/secrets/set", { csrf, name: "GITHUB_TOKEN", value: CANARY });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain("a GitHub token starts with");
    expect(refused.text).toContain('value="GITHUB_TOKEN"');
    const saved = await client.post("/web/secrets/set", { csrf, name: "ANTHROPIC_API_KEY", value: CANARY });
    expect(saved).toMatchObject({ status: 303 });
    const after = await client.get("/web/secrets");
    expect(after.text).toContain("ANTHROPIC_API_KEY (claude) set for U0ALICE");
    expect(after.text).toContain("<code>ANTHROPIC_API_KEY</code>");
    expect(readSecret(b.running.bot.deps, ALICE, "ANTHROPIC_API_KEY")?.reveal()).toBe(CANARY);
    const noCsrf = await client.post("/web/secrets/delete", { name: "ANTHROPIC_API_KEY" });
    expect(noCsrf.status).toBe(403);
    expect(await command(b, ALICE, "secret list")).toContain("ANTHROPIC_API_KEY");
    const removed = await client.post("/web/secrets/delete", { csrf, name: "ANTHROPIC_API_KEY" });
    expect(removed.status).toBe(303);
    expect(readSecret(b.running.bot.deps, ALICE, "ANTHROPIC_API_KEY")).toBeNull();
    expect(after.text + page.text).not.toContain("CANARY");
    expect(await everywhere(b)).not.toContain("CANARY");
  });

  it("refuses a key pasted into any slash command, keeping and repeating nothing", async () => {
    for (const text of [
      `secret set ANTHROPIC_API_KEY ${CANARY}`,
      `provision ${CANARY}`,
      `secret ghp_${"CANARY".padEnd(36, "x")}`,
    ]) {
      const answer = await command(b, ALICE, text);
      expect(answer).toContain("That looks like a secret");
      expect(answer).toContain("/ccc secret");
      expect(answer).not.toContain("CANARY");
    }
    expect(b.running.bot.deps.store.secrets.all()).toEqual([]);
    expect(await everywhere(b)).not.toContain("CANARY");
  });

  it("refuses a form field that looks like a secret, on that field, and records nothing", async () => {
    // A key pasted where the SSH key goes: the form says why, on the field, and no machine is asked for.
    const res = await b.send.submitProvision(ALICE, {
      sshKey: CANARY,
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_action: "errors" });
    expect(JSON.stringify(res.json)).toContain("That looks like a secret");
    expect(JSON.stringify(res.json)).not.toContain("CANARY");
    expect(b.running.bot.deps.store.list()).toEqual([]);
    expect(await everywhere(b)).not.toContain("CANARY");
    // A public key is what that field is for: not taken for a secret.
    const ok = await b.send.submitProvision(ALICE, {
      sshKey: makeKeyPair().publicKey,
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    expect(JSON.stringify(ok.json)).not.toContain("That looks like a secret");
    await b.slack.waitFor(() => b.slack.messages().find((m) => m.text.includes("is ready")), 15_000);
  });
});
