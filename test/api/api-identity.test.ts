// The API's door passes the same identity check as Slack's (issue 20, findings 1, 2 and 12): real
// tokens over real HTTP, Slack's `users.info` answered by the fake Slack.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken } from "../../src/core/identity/api-tokens.ts";
import { ADMIN, ALICE, BOB, type BotHarness } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { call, tokenFor } from "./api-client.ts";

const CAROL = "U0CAROL";
const TEN_MINUTES = 10 * 60_000;

/** A token as the store may still hold one from before: made `--admin`, or for an operator's name. */
function oldToken(b: BotHarness, user: string, admin: boolean): string {
  const secret = `ccc_${randomBytes(24).toString("base64url")}`;
  b.running.bot.deps.store.apiTokens.add({
    id: `tok_${randomBytes(6).toString("hex")}`,
    user,
    name: "old",
    prefix: secret.slice(0, 8),
    hash: hashToken(secret),
    admin,
    createdAt: new Date(),
    createdBy: "opal",
  });
  return secret;
}

const provision = { sshKey: makeKeyPair().publicKey, hours: 2, serverType: "cx23", location: "fsn1" };

describe("the API's identity check", () => {
  const b = useBotHarness();

  it("refuses the token of a guest, a deactivated account, another workspace's member, someone Slack no longer knows or an operator name, and makes nothing", async () => {
    b.slack.setUser(BOB, { restricted: true });
    b.slack.setUser(CAROL, { deleted: true });
    b.slack.setUser("U0DAVE", { teamId: "T0OTHER" });
    b.slack.setUser("U0ERIN", { gone: true });
    const refused: [string, string][] = [
      [
        tokenFor(b, BOB),
        "Guests of this Slack workspace cannot use ccc; ask an admin if you need a machine.",
      ],
      [tokenFor(b, CAROL), "Your Slack account is deactivated."],
      [tokenFor(b, "U0DAVE"), "ccc serves only members of its own Slack workspace."],
      [tokenFor(b, "U0ERIN"), "ccc serves only members of its Slack workspace."],
      [oldToken(b, "opal", true), "ccc serves only members of its Slack workspace."],
    ];
    for (const [token, message] of refused) {
      for (const [method, path, body] of [
        ["GET", "/instances", undefined],
        ["POST", "/instances", provision],
      ] as const) {
        const answer = await call(b, method, path, { token, body });
        expect(answer.status, `${method} ${path}: ${message}`).toBe(403);
        expect(answer.error).toEqual({ code: "forbidden", message });
      }
    }
    expect(b.running.bot.deps.store.list({ includeEnded: true })).toEqual([]);
    expect(b.h.cloud.servers()).toEqual([]);
    // A member's token works as before.
    expect((await call(b, "GET", "/instances", { token: tokenFor(b, ALICE) })).status).toBe(200);
  });

  it("gives admin rights by CCC_ADMINS and the check alone: a token made --admin before grants nothing", async () => {
    const elevated = oldToken(b, CAROL, true);
    const all = await call(b, "GET", "/instances?all=true", { token: elevated });
    expect(all.status).toBe(403);
    expect(all.error?.message).toBe("Only admins can list everyone's machines.");
    expect((await call(b, "GET", "/instances?all=true", { token: tokenFor(b, ADMIN) })).status).toBe(200);
  });
});

describe("a token's person, checked again on use", () => {
  let clock = new FakeClock();
  const b = useBotHarness(() => {
    clock = new FakeClock();
    return { clock };
  });

  it("is refused within 10 minutes of being deactivated or losing admin in Slack", async () => {
    const alice = tokenFor(b, ALICE);
    const admin = tokenFor(b, ADMIN);
    expect((await call(b, "GET", "/instances", { token: alice })).status).toBe(200);
    expect((await call(b, "GET", "/instances?all=true", { token: admin })).status).toBe(200);
    b.slack.setUser(ALICE, { deleted: true });
    b.slack.setUser(ADMIN, { deleted: true });
    // Slack's answer is trusted for 10 minutes, as in Slack's own door.
    clock.advance(TEN_MINUTES - 1);
    expect((await call(b, "GET", "/instances", { token: alice })).status).toBe(200);
    clock.advance(1);
    const refused = await call(b, "POST", "/instances", { token: alice, body: provision });
    expect(refused.status).toBe(403);
    expect(refused.error?.message).toBe("Your Slack account is deactivated.");
    expect((await call(b, "GET", "/instances?all=true", { token: admin })).status).toBe(403);
    expect(b.running.bot.deps.store.list({ includeEnded: true })).toEqual([]);
    expect(b.slack.calls("users.info").filter((c) => c.body.user === ALICE)).toHaveLength(2);
  });

  it("limits requests per person, however many tokens they hold", async () => {
    // 60 a minute by default, refilled by the (stopped) clock: a person's two tokens share them.
    const [one, two] = [tokenFor(b, ALICE), tokenFor(b, ALICE)];
    for (let i = 0; i < 30; i++)
      expect((await call(b, "GET", "/instances", { token: one })).status).toBe(200);
    for (let i = 0; i < 30; i++)
      expect((await call(b, "GET", "/instances", { token: two })).status).toBe(200);
    const over = await call(b, "GET", "/instances", { token: tokenFor(b, ALICE) });
    expect(over.status).toBe(429);
    expect(over.error?.message).toMatch(/^Too many requests from your tokens; try again in \d+ s\.$/);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    // Someone else's requests are their own.
    expect((await call(b, "GET", "/instances", { token: tokenFor(b, BOB) })).status).toBe(200);
  });

  it("answers 503 with Retry-After while Slack cannot say, and lets the person in once it can", async () => {
    const bob = tokenFor(b, BOB);
    b.slack.fail("users.info", { error: "internal_error", times: 5 });
    const down = await call(b, "GET", "/instances", { token: bob });
    expect(down.status).toBe(503);
    expect(down.error).toEqual({
      code: "unavailable",
      message: "ccc could not check your Slack account just now; try again in a moment.",
    });
    expect(down.headers.get("retry-after")).toBe("30");
    b.slack.reset();
    expect((await call(b, "GET", "/instances", { token: bob })).status).toBe(200);
  });
});

describe("admin rights under CCC_ALLOW_GUESTS=true", () => {
  const b = useBotHarness(() => ({ env: { CCC_ALLOW_GUESTS: "true" } }));

  it("are not a guest's, even one named in CCC_ADMINS, at the API as in Slack", async () => {
    b.slack.setUser(ADMIN, { restricted: true });
    const token = tokenFor(b, ADMIN);
    expect((await call(b, "GET", "/instances", { token })).status).toBe(200);
    expect((await call(b, "GET", "/instances?all=true", { token })).status).toBe(403);
  });
});
