import { describe, expect, it } from "vitest";
import { makeKeyPair } from "../helpers/keys.ts";
import { keySubmission } from "../helpers/slack-payloads.ts";
import { ALICE, BOB, replies, shown } from "./bot-harness.ts";
import { clickWhere, readyMachine, useBotHarness } from "./use-bot.ts";

const b = useBotHarness();
const store = () => b.running.bot.deps.store;
const dmTo = (user: string, text: string) =>
  b.slack.waitFor(
    () => b.slack.messages().find((m) => m.channel === `D${user.slice(1)}` && shown(m).includes(text)),
    15_000,
    `a DM to ${user} with "${text}"`,
  );

describe("setting your key and shares that wait for it", () => {
  it("asks a guest with no key by DM; their form refuses a private key, then sets theirs and lets them in", async () => {
    const { id } = await readyMachine(b);
    await b.send.command(ALICE, `share ${id} <@${BOB}|bob>`, b.slack.responseUrl());
    await b.slack.waitFor(() => replies(b.slack).find((r) => r.text.includes("will be shared once")));
    const ask = await dmTo(BOB, "wants to let you into");
    expect(store().guests.list(id)).toEqual([]);

    await b.send.clickInMessage(BOB, "ccc_set_key", id, clickWhere(b, ask));
    const open = await b.slack.waitFor(() => b.slack.calls("views.open")[0]);
    expect((open.body.view as { callback_id: string }).callback_id).toBe("ccc_key");

    const secret = makeKeyPair().privateKey;
    const refused = await b.send.interaction(keySubmission(BOB, secret));
    expect(refused.json?.response_action).toBe("errors");
    expect(JSON.stringify(refused.json)).toContain("private key");
    expect(store().keys.get(BOB)).toBeNull();
    expect(JSON.stringify(b.slack.calls())).not.toContain(secret.split("\n")[1]);

    const bobKey = makeKeyPair("bob").publicKey;
    const saved = await b.send.interaction(keySubmission(BOB, bobKey));
    expect(saved.json?.response_action).toBe("clear");
    await dmTo(BOB, "let you into");
    await dmTo(BOB, "SSH key is");
    expect(store().guests.list(id)).toMatchObject([{ guest: BOB, sshKey: bobKey, addedBy: ALICE }]);
    expect(store().pendingShares.forGuest(BOB)).toEqual([]);
  });

  it("/ccc key opens the form with the key you use now", async () => {
    await readyMachine(b);
    await b.send.command(ALICE, "key", b.slack.responseUrl());
    const open = await b.slack.waitFor(() => b.slack.calls("views.open")[0]);
    expect(JSON.stringify(open.body.view)).toContain(String(store().currentKeyOf(ALICE)).split(" ")[1]);
  });
});
