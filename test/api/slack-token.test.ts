import { describe, expect, it } from "vitest";
import { ALICE, command } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { call } from "./api-client.ts";

describe("/ccc token", () => {
  const b = useBotHarness();

  it("DMs a new token once, which then works with the API as that person; list and revoke answer in place", async () => {
    const answer = await command(b, ALICE, "token");
    expect(answer).toContain("I sent you a new API token in a DM");
    expect(answer).not.toMatch(/ccc_[A-Za-z0-9_-]{32}/);
    const dm = await b.slack.waitFor(() => b.slack.messages().find((m) => m.text.includes("API token")));
    const secret = /ccc_[A-Za-z0-9_-]{32}/.exec(JSON.stringify(dm.blocks))?.[0] ?? "";
    expect(secret).not.toBe("");
    expect((await call(b, "GET", "/instances", { token: secret })).status).toBe(200);

    const [made] = b.running.bot.deps.store.apiTokens.list(ALICE);
    expect(made).toMatchObject({ user: ALICE, name: "slack", createdBy: ALICE });
    const listed = await command(b, ALICE, "token list");
    expect(listed).toContain(made?.id);
    expect(listed).not.toContain(secret);
    const revoked = await command(b, ALICE, `token revoke ${made?.id}`);
    expect(revoked).toContain("is revoked");
    expect((await call(b, "GET", "/instances", { token: secret })).status).toBe(401);
    const other = await command(b, "U0MALLORY", `token revoke ${made?.id}`);
    expect(other).toContain("not yours");
  });

  it("refuses a sixth live token (CCC_MAX_TOKENS_PER_USER, default 5) with how to make room, and DMs none", async () => {
    for (let i = 0; i < 5; i++)
      expect(await command(b, ALICE, "token")).toContain("I sent you a new API token");
    const dms = () => b.slack.messages().filter((m) => m.text.includes("API token")).length;
    await b.slack.waitFor(() => dms() === 5);
    const sixth = await command(b, ALICE, "token");
    expect(sixth).toContain("U0ALICE has 5 live tokens already; the limit is 5. Revoke one first");
    expect(sixth).not.toMatch(/ccc_[A-Za-z0-9_-]{32}/);
    expect(b.running.bot.deps.store.apiTokens.list(ALICE)).toHaveLength(5);
    await b.running.bot.tasks.idle();
    expect(dms()).toBe(5);
  });
});
