import { describe, expect, it } from "vitest";
import { slackDirectory } from "../../src/adapters/slack/slack-directory.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { buttonInMessage, provisionSubmission, slashCommand } from "../helpers/slack-payloads.ts";
import { ADMIN, ALICE, BOB, type BotHarness, command, replies } from "./bot-harness.ts";
import { useBotHarness } from "./use-bot.ts";

const OTHER_TEAM = "T0OTHER";

/** `/ccc <text>` as a workspace other than the bot's would send it: signed, since Slack signs for every workspace. */
async function commandFrom(b: BotHarness, team: string, user: string, text: string) {
  const fields = { ...slashCommand(user, text, b.slack.responseUrl()), team_id: team };
  const res = await b.send.post(new URLSearchParams(fields).toString());
  expect(res.status).toBe(200);
  return res.json ?? {};
}

describe("requests from another workspace", () => {
  const b = useBotHarness();

  it("are refused at every door: the command, the form, a button, the Home tab", async () => {
    const answer = await commandFrom(b, OTHER_TEAM, ALICE, "list");
    expect(answer).toEqual({
      response_type: "ephemeral",
      text: "ccc serves only its own Slack workspace; this request came from another.",
    });

    const form = provisionSubmission(ALICE, {
      sshKey: makeKeyPair().publicKey,
      location: "fsn1",
      hours: "2",
    });
    const res = await b.send.interaction({
      ...form,
      team: { id: OTHER_TEAM, domain: "other" },
      user: { id: ALICE, username: "alice", team_id: OTHER_TEAM },
    });
    expect(res.json).toMatchObject({ response_action: "update", view: { callback_id: "ccc_refusal" } });
    expect(JSON.stringify(res.json)).toContain("only its own Slack workspace");

    const where = { channel: "D0ALICE", ts: "1700000000.000001", responseUrl: b.slack.responseUrl() };
    await b.send.interaction({
      ...buttonInMessage(ALICE, "ccc_extend_1h", "ccc-abcdef", where),
      team: { id: OTHER_TEAM, domain: "other" },
      user: { id: ALICE, username: "alice", team_id: OTHER_TEAM },
    });
    const said = await b.slack.waitFor(() => replies(b.slack)[0]);
    expect(said.text).toBe("ccc serves only its own Slack workspace; this request came from another.");

    await b.send.post(
      JSON.stringify({
        type: "event_callback",
        team_id: OTHER_TEAM,
        api_app_id: "A0CCC",
        event_id: "EvOTHER",
        event_time: 1,
        event: { type: "app_home_opened", user: ALICE, tab: "home", channel: "D0ALICE" },
      }),
      {},
      "application/json",
    );
    await b.running.bot.tasks.idle();
    expect(b.slack.calls("views.publish")).toEqual([]);
    expect(replies(b.slack)).toHaveLength(1);
    // Nothing was recorded: no machine, no event.
    expect(b.running.bot.deps.store.list({ includeEnded: true })).toEqual([]);
    expect(b.running.bot.deps.store.events()).toEqual([]);
    expect(b.logs.filter((l) => l.message === "slack request refused").map((l) => l.fields?.reason)).toEqual([
      "other_workspace",
      "other_workspace",
      "other_workspace",
      "other_workspace",
    ]);
  });

  it("are refused when Slack says the person belongs to another workspace, whatever the request says", async () => {
    b.slack.setUser(BOB, { teamId: OTHER_TEAM });
    expect(await command(b, BOB, "list")).toContain("only members of its own Slack workspace");
    expect(await command(b, ALICE, "list")).toContain("You have no machines");
  });
});

describe("CCC_SLACK_TEAM_ID", () => {
  const b = useBotHarness(() => ({ env: { CCC_SLACK_TEAM_ID: "T0ELSE" } }));

  it("names the one workspace served, over the one the token belongs to", async () => {
    b.slack.setUser(ALICE, { teamId: "T0ELSE" });
    expect(await command(b, ALICE, "list")).toContain("only its own Slack workspace");
    expect((await commandFrom(b, "T0ELSE", ALICE, "list")).text).toContain("You have no machines");
  });
});

describe("guests", () => {
  const b = useBotHarness();

  it("are refused, single- and multi-channel alike, with one users.info per person while it is fresh", async () => {
    b.slack.setUser(BOB, { restricted: true });
    b.slack.setUser("U0CAROL", { ultraRestricted: true });
    const refusal = "Guests of this Slack workspace cannot use ccc; ask an admin if you need a machine.";
    expect(await command(b, BOB, "list")).toContain(refusal);
    expect(await command(b, BOB, "types")).toContain(refusal);
    expect(await command(b, "U0CAROL", "list")).toContain(refusal);
    expect(b.slack.calls("users.info").filter((c) => c.body.user === BOB)).toHaveLength(1);
    expect(await command(b, ALICE, "list")).toContain("You have no machines");
  });

  it("and deactivated accounts are refused; an answer Slack cannot give refuses too, and nothing is done", async () => {
    b.slack.setUser(BOB, { deleted: true });
    expect(await command(b, BOB, "list")).toContain("Your Slack account is deactivated.");
    b.slack.fail("users.info", { error: "internal_error", times: 5 });
    expect(await command(b, ALICE, "list")).toContain("could not check your Slack account");
    expect(b.running.bot.deps.store.events()).toEqual([]);
  });
});

describe("CCC_ALLOW_GUESTS=true", () => {
  const b = useBotHarness(() => ({ env: { CCC_ALLOW_GUESTS: "true" } }));

  it("lets guests in, but a guest named in CCC_ADMINS is no admin", async () => {
    b.slack.setUser(BOB, { restricted: true });
    expect(await command(b, BOB, "list")).toContain("You have no machines");
    b.slack.setUser(ADMIN, { restricted: true });
    expect(await command(b, ADMIN, "list all")).toContain("Only admins can list everyone's machines.");
  });
});

describe("the provision form under the guardrails", () => {
  const b = useBotHarness(() => ({
    env: { CCC_ALLOWED_TYPES: "cx23,cx33,ccx13", CCC_MAX_EUR_PER_HOUR: "0.015" },
  }));

  it("offers only allowed types under the hourly ceiling", async () => {
    await b.send.command(ALICE, "provision", b.slack.responseUrl());
    const open = await b.slack.waitFor(() => b.slack.calls("views.open")[0]);
    const view = open.body.view as {
      blocks: { block_id?: string; element?: { options?: { value: string }[] } }[];
    };
    const types = view.blocks
      .find((bl) => bl.block_id === "serverType")
      ?.element?.options?.map((o) => o.value);
    // ccx13 is listed but costs about €0.02 an hour.
    expect(types).toEqual(["cx23", "cx33"]);
  });
});

describe("people's emails for Stripe", () => {
  const b = useBotHarness();

  it("come from users.info; an operator name is no Slack user and is not asked about", async () => {
    const directory = slackDirectory(b.running.bot.client);
    b.slack.setUser(BOB, { email: "bob@corp.example" });
    expect(await directory.emailOf(BOB)).toBe("bob@corp.example");
    b.slack.setUser("U0CAROL", { email: null });
    expect(await directory.emailOf("U0CAROL")).toBe(null);
    const asked = b.slack.calls("users.info").length;
    expect(await directory.emailOf("opal")).toBe(null);
    expect(b.slack.calls("users.info")).toHaveLength(asked);
  });
});
