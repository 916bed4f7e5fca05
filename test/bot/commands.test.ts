import { describe, expect, it } from "vitest";
import { acceptProvision } from "../../src/commands/provision.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { ADMIN, ALICE, BOB, command } from "./bot-harness.ts";
import { useBotHarness } from "./use-bot.ts";

const b = useBotHarness();

/** A recorded (not built) instance: enough for list/status/extend without a cloud server. */
function recorded(owner: string) {
  return acceptProvision(
    { deps: b.running.bot.deps, actor: { id: owner, isAdmin: false } },
    { owner, sshKey: makeKeyPair().publicKey, hours: 2 },
  );
}

describe("/ccc help", () => {
  it("answers bare /ccc, help, and unknown words with a did-you-mean", async () => {
    expect(await command(b, ALICE, "")).toContain("/ccc provision");
    expect(await command(b, ALICE, "help")).toContain("/ccc extend <id> <hours>");
    const unknown = await command(b, ALICE, "lsit");
    expect(unknown).toContain("I don't know `lsit`");
    expect(unknown).toContain("Did you mean `/ccc list`?");
    expect(await command(b, ALICE, "<script>")).toContain("&lt;script&gt;");
  });
});

describe("/ccc list and status", () => {
  it("lists only your machines; list all is for admins, who see everyone's", async () => {
    expect(await command(b, ALICE, "list")).toContain("You have no machines");
    const mine = await recorded(ALICE);
    const bobs = await recorded(BOB);
    const list = await command(b, ALICE, "list");
    expect(list).toContain(mine.id);
    expect(list).not.toContain(bobs.id);
    expect(await command(b, ALICE, "list all")).toContain("Only admins can list everyone's machines.");
    const all = await command(b, ADMIN, "list all");
    expect(all).toContain(mine.id);
    expect(all).toContain(bobs.id);
    expect(all).toContain(`<@${BOB}>`);
  });

  it("shows one machine with its expiry in each reader's timezone; others' are refused and recorded", async () => {
    const mine = await recorded(ALICE);
    const status = await command(b, ALICE, `status ${mine.id}`);
    expect(status).toContain(mine.id);
    expect(status).toContain(`<!date^${mine.expiresAt.getTime() / 1000}^{date_short_pretty} {time}|`);
    expect(await command(b, ALICE, "status")).toContain(mine.id);
    expect(await command(b, BOB, `status ${mine.id}`)).toContain("is not yours");
    expect(b.running.bot.deps.store.events(mine.id).at(-1)).toMatchObject({ actor: BOB, kind: "refused" });
    expect(await command(b, ALICE, "status nonsense")).toContain("is not an instance id");
    expect(await command(b, ALICE, "status ccc-zzzzzz")).toContain("No instance ccc-zzzzzz.");
  });
});

describe("/ccc extend and deprovision", () => {
  it("extends your machine within policy and explains usage and refusals", async () => {
    const mine = await recorded(ALICE);
    expect(await command(b, ALICE, "extend")).toContain("Usage: /ccc extend");
    expect(await command(b, ALICE, `extend ${mine.id} 2`)).toContain(`Extended *${mine.id}* by 2 h`);
    const after = b.running.bot.deps.store.require(mine.id);
    expect(after.expiresAt.getTime() - mine.expiresAt.getTime()).toBe(2 * 3_600_000);
    expect(await command(b, ALICE, `extend ${mine.id} 500`)).toContain("At most 24 hours at a time");
    expect(await command(b, BOB, `extend ${mine.id} 1`)).toContain("is not yours");
    expect(b.running.bot.deps.store.require(mine.id).expiresAt).toEqual(after.expiresAt);
  });

  it("deletes your machine (twice is fine) and refuses someone else's", async () => {
    const mine = await recorded(ALICE);
    expect(await command(b, ALICE, "deprovision")).toContain("Usage: /ccc deprovision");
    expect(await command(b, BOB, `deprovision ${mine.id}`)).toContain("is not yours");
    expect(b.running.bot.deps.store.require(mine.id).status).toBe("creating");
    expect(await command(b, ALICE, `deprovision ${mine.id}`)).toContain(`${mine.id} deleted`);
    expect(await command(b, ALICE, `delete ${mine.id}`)).toContain("was already deleted");
    expect(b.h.cloud.requests.filter((r) => r.method === "DELETE")).toEqual([]);
  });
});

describe("/ccc types", () => {
  it("lists the live Hetzner types with prices", async () => {
    const types = await command(b, ALICE, "types fsn1");
    expect(types).toContain("cx23");
    expect(types).toContain("€/HOUR");
    expect(await command(b, ALICE, "types atlantis")).toContain('Unknown location "atlantis"');
  });
});

describe("/ccc provision", () => {
  it("opens the modal at once with the trigger id, from the cached catalog", async () => {
    const triggerId = "trigger-open-modal";
    const before = b.h.cloud.requests.length;
    const res = await b.send.command(ALICE, "provision", b.slack.responseUrl(), { triggerId });
    expect(res.status).toBe(200);
    const open = await b.slack.waitFor(() => b.slack.calls("views.open")[0]);
    expect(open.body.trigger_id).toBe(triggerId);
    const view = open.body.view as { callback_id: string; blocks: { block_id?: string }[] };
    expect(view.callback_id).toBe("ccc_provision");
    expect(view.blocks.map((bl) => bl.block_id).filter(Boolean)).toEqual([
      "sshKey",
      "location",
      "serverType",
      "hours",
      "packages",
      "packagesOther",
      "repo",
      "keepWork",
    ]);
    expect(JSON.stringify(view)).toContain("Estimated cost");
    // The price the bot fetched at start, shown before anything is made.
    expect(JSON.stringify(view)).toContain("a new 10 GB volume: €0.52/month in fsn1");
    expect(b.h.cloud.requests.length).toBe(before); // warmed at start-up: no Hetzner call on the way
  });
});
