import { describe, expect, it } from "vitest";
import { ADMIN, ALICE, BOB, replies, shown } from "./bot-harness.ts";
import { clickWhere, readyMachine, useBotHarness } from "./use-bot.ts";

const b = useBotHarness();

const store = () => b.running.bot.deps.store;

describe("the buttons on the ready DM", () => {
  it("Extend +1h moves the expiry and the server label once, even when clicked twice", async () => {
    const { dm, id } = await readyMachine(b);
    const before = store().require(id).expiresAt.getTime();
    const versions = dm.history.length;
    const [first, second] = await Promise.all([
      b.send.clickInMessage(ALICE, "ccc_extend_1h", id, clickWhere(b, dm)),
      b.send.clickInMessage(ALICE, "ccc_extend_1h", id, clickWhere(b, dm)),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    await b.slack.waitFor(() => dm.history.length >= versions + 2 || null);
    const after = store().require(id).expiresAt.getTime();
    expect(after - before).toBe(3_600_000);
    expect(
      store()
        .events(id)
        .filter((e) => e.kind === "extended"),
    ).toHaveLength(1);
    expect(b.h.cloud.servers()[0]?.labels["ccc-expires-at"]).toBe(String(after / 1000));
    expect(shown(dm)).toContain(`<!date^${after / 1000}^`);

    await b.send.clickInMessage(ALICE, "ccc_extend_4h", id, clickWhere(b, dm));
    await b.slack.waitFor(() => store().require(id).expiresAt.getTime() === after + 4 * 3_600_000 || null);
  });

  it("someone else's click is refused, answered and recorded, and changes nothing", async () => {
    const { dm, id } = await readyMachine(b);
    const before = store().require(id);
    const updates = b.slack.calls("chat.update").length;
    const res = await b.send.clickInMessage(BOB, "ccc_delete", id, clickWhere(b, dm));
    expect(res.status).toBe(200);
    const answer = await b.slack.waitFor(() => replies(b.slack).find((r) => r.text.includes("is not yours")));
    expect(answer.text).toContain(`${id} is not yours, so you cannot delete it.`);
    expect(store().events(id).at(-1)).toMatchObject({ actor: BOB, kind: "refused" });
    expect(store().require(id)).toEqual(before);
    expect(b.h.cloud.servers()).toHaveLength(1);
    expect(b.slack.calls("chat.update")).toHaveLength(updates);
    await b.send.clickInMessage(ALICE, "ccc_delete", id, clickWhere(b, dm));
    await b.slack.waitFor(() => b.h.cloud.servers().length === 0 || null);
  });

  it("Delete now deletes once; a late second click and a late extend answer the current truth", async () => {
    const { dm, id } = await readyMachine(b);
    await Promise.all([
      b.send.clickInMessage(ALICE, "ccc_delete", id, clickWhere(b, dm)),
      b.send.clickInMessage(ALICE, "ccc_delete", id, clickWhere(b, dm)),
    ]);
    // The duplicate click may redraw "was deleted" while the first is still deleting: wait for both.
    await b.slack.waitFor(
      () => (dm.text.includes("was deleted") && store().require(id).status === "deleted") || null,
    );
    expect(b.h.cloud.servers()).toEqual([]);
    expect(
      store()
        .events(id)
        .filter((e) => e.kind === "deleted"),
    ).toHaveLength(1);
    expect(shown(dm)).not.toContain("ccc_extend_1h");

    // Later, from an old message: nothing breaks, the answer is what is true now.
    const late = await b.send.clickInMessage(ALICE, "ccc_delete", id, { ...clickWhere(b, dm), ts: dm.ts });
    expect(late.status).toBe(200);
    await b.send.clickInMessage(ALICE, "ccc_extend_4h", id, clickWhere(b, dm));
    const answer = await b.slack.waitFor(() =>
      replies(b.slack).find((r) => r.text.includes("only a live machine")),
    );
    expect(answer.text).toContain(`${id} is deleted`);
    expect(
      store()
        .events(id)
        .filter((e) => e.kind === "deleted"),
    ).toHaveLength(1);
    expect(b.h.cloud.requests.filter((r) => r.method === "DELETE")).toHaveLength(1);
  });

  it("a button carrying an unknown or malformed id is answered, not crashed on", async () => {
    const { dm, id } = await readyMachine(b);
    await b.send.clickInMessage(ALICE, "ccc_extend_1h", "ccc-zzzzzz", clickWhere(b, dm));
    await b.slack.waitFor(() => replies(b.slack).find((r) => r.text.includes("No instance ccc-zzzzzz")));
    await b.send.clickInMessage(ALICE, "ccc_delete", "'; drop table", clickWhere(b, dm));
    await b.slack.waitFor(() => replies(b.slack).find((r) => r.text.includes("is not an instance id")));
    await b.send.clickInMessage(ALICE, "ccc_delete", id, clickWhere(b, dm));
    await b.slack.waitFor(() => b.h.cloud.servers().length === 0 || null);
  });
});

describe("App Home", () => {
  it("draws an admin's Home when the admin's own machine is also in everyone's list", async () => {
    const { id } = await readyMachine(b, ADMIN);
    await b.send.event({ type: "app_home_opened", user: ADMIN, tab: "home", channel: "D0ADMIN" });
    const home = await b.slack.waitFor(() =>
      b.slack.calls("views.publish").find((c) => c.body.user_id === ADMIN),
    );
    const view = JSON.stringify(home.body.view);
    expect(view.split(id).length - 1).toBeGreaterThanOrEqual(2);
    await b.running.bot.tasks.idle();
    // Slack refuses a view whose block ids repeat; the fake does too, and the bot would log it.
    expect(b.logs.filter((l) => l.message === "slack call failed")).toEqual([]);
    await b.send.clickInMessage(ADMIN, "ccc_delete", id, {
      channel: "D0ADMIN",
      ts: "1",
      responseUrl: b.slack.responseUrl(),
    });
    await b.slack.waitFor(() => b.h.cloud.servers().length === 0 || null);
  });

  it("shows your machines with buttons and a New machine button; admins see everyone and the hourly total", async () => {
    const { id } = await readyMachine(b, ALICE);
    const res = await b.send.event({ type: "app_home_opened", user: ALICE, tab: "home", channel: "D0ALICE" });
    expect(res.status).toBe(200);
    const home = await b.slack.waitFor(() =>
      b.slack
        .calls("views.publish")
        .find((c) => c.body.user_id === ALICE && JSON.stringify(c.body.view).includes(id)),
    );
    const aliceView = JSON.stringify(home.body.view);
    expect(aliceView).toContain("ccc_new_machine");
    expect(aliceView).toContain("ccc_extend_1h");
    expect(aliceView).not.toContain("Everyone's live machines");

    await b.send.event({ type: "app_home_opened", user: ADMIN, tab: "home", channel: "D0ADMIN" });
    const admin = await b.slack.waitFor(() =>
      b.slack.calls("views.publish").find((c) => c.body.user_id === ADMIN),
    );
    const adminView = JSON.stringify(admin.body.view);
    expect(adminView).toContain("Everyone's live machines");
    expect(adminView).toContain(id);
    expect(adminView).toMatch(/1 running · €0\.\d{4} per hour in all/);

    // New machine opens the modal; a button in the Home tab redraws the Home tab.
    const view = { id: "VHOME", type: "home", hash: "h1" };
    await b.send.clickInView(
      ALICE,
      { type: "button", action_id: "ccc_new_machine", block_id: "home_new", value: "new" },
      view,
    );
    await b.slack.waitFor(() => b.slack.calls("views.open")[0]);
    const publishes = b.slack.calls("views.publish").length;
    await b.send.clickInView(
      ALICE,
      { type: "button", action_id: "ccc_delete", block_id: `instance_actions:${id}`, value: id },
      view,
    );
    await b.slack.waitFor(() => b.slack.calls("views.publish").length > publishes || null);
    expect(store().require(id).status).toBe("deleted");
    expect(JSON.stringify(b.slack.calls("views.publish").at(-1)?.body.view)).toContain(
      "You have no machines running.",
    );
  });
});
