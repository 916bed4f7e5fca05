// Extra software, prefs and again in Slack: the modal's curated multi-select and free-text field, the
// modal starting from a person's prefs, `/ccc again` and the Again button under the "deleted" DM.
import { describe, expect, it } from "vitest";
import { ALICE, BOB, type BotHarness, command } from "../bot/bot-harness.ts";
import { clickWhere, readyMachine, useBotHarness } from "../bot/use-bot.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { provisionSubmission } from "../helpers/slack-payloads.ts";

const b = useBotHarness();

function submitWithSoftware(user: string, picked: string[], typed: string) {
  const payload = provisionSubmission(user, {
    sshKey: makeKeyPair().publicKey,
    location: "fsn1",
    serverType: "cx23",
    hours: "2",
  }) as { view: { state: { values: Record<string, unknown> } } };
  payload.view.state.values.packages = {
    packages: {
      type: "multi_static_select",
      selected_options: picked.map((value) => ({ value, text: { type: "plain_text", text: value } })),
    },
  };
  payload.view.state.values.packagesOther = { packages_other: { type: "plain_text_input", value: typed } };
  return b.send.interaction(payload);
}

async function openedModal(bot: BotHarness, user: string) {
  const before = bot.slack.calls("views.open").length;
  await bot.send.command(user, "provision", bot.slack.responseUrl());
  const open = await bot.slack.waitFor(() => bot.slack.calls("views.open")[before]);
  return open.body.view as { blocks: Record<string, unknown>[] };
}

const initialValue = (view: { blocks: Record<string, unknown>[] }, id: string) =>
  (blockOf(view, id)?.element.initial_option as { value: string } | undefined)?.value;

const blockOf = (view: { blocks: Record<string, unknown>[] }, id: string) =>
  view.blocks.find((bl) => bl.block_id === id) as { element: Record<string, unknown> } | undefined;

describe("extra software in the provision modal", () => {
  it("offers the curated list with labels and a free-text field", async () => {
    const view = await openedModal(b, ALICE);
    const select = blockOf(view, "packages")?.element as { type: string; options: { value: string }[] };
    expect(select.type).toBe("multi_static_select");
    expect(select.options.map((o) => o.value)).toEqual(
      expect.arrayContaining(["python3", "go", "postgresql"]),
    );
    expect(JSON.stringify(select)).toContain("Python 3 (python3)");
    expect(blockOf(view, "packagesOther")?.element.type).toBe("plain_text_input");
  });

  it("builds picked and typed names, and the ready DM lists them", async () => {
    const res = await submitWithSoftware(ALICE, ["python3", "go"], "htop, python3Packages.numpy");
    expect(res.json).toEqual({ response_action: "clear" });
    const dm = await b.slack.waitFor(
      () => b.slack.messages().find((m) => m.text.includes("is ready")),
      15_000,
    );
    expect(JSON.stringify(dm.blocks)).toContain(
      "Extra software: `python3`, `go`, `htop`, `python3Packages.numpy`",
    );
    const instance = JSON.parse(b.h.installer.calls()[0]?.instanceJson ?? "{}");
    expect(instance.extraPackages).toEqual(["python3", "go", "htop", "python3Packages.numpy"]);
    const id = /ccc-[a-z2-9]{6}/.exec(dm.text)?.[0] ?? "";
    expect(await command(b, ALICE, `status ${id}`)).toContain(
      "Extra software: `python3`, `go`, `htop`, `python3Packages.numpy`",
    );
    await command(b, ALICE, `deprovision ${id}`);
  });

  it("puts a bad typed name on the free-text field and spends nothing", async () => {
    const res = await submitWithSoftware(ALICE, ["python3"], "htop, rm -rf /");
    expect(res.json).toEqual({
      response_action: "errors",
      errors: {
        packagesOther: expect.stringContaining('"-rf" is not a nixpkgs package name'),
      },
    });
    // Another person: the same form sent twice would be taken for a replay.
    const twice = await submitWithSoftware(BOB, ["go"], "go");
    expect((twice.json as { errors: Record<string, string> }).errors.packagesOther).toBe(
      "go is asked for twice.",
    );
    expect(b.h.cloud.servers()).toEqual([]);
    expect(b.running.bot.deps.store.list()).toEqual([]);
  });
});

describe("/ccc prefs", () => {
  it("shows, sets and clears defaults, checked like a provision, and the modal starts from them", async () => {
    expect(await command(b, ALICE, "prefs")).toContain("type: (the default)");
    const saved = await command(b, ALICE, "prefs set type=cx33 location=hel1 hours=8 packages=python3,htop");
    expect(saved).toContain("Saved.");
    expect(saved).toContain("software: python3, htop");
    expect(b.running.bot.deps.store.prefs.get(ALICE)).toEqual({
      serverType: "cx33",
      location: "hel1",
      hours: 8,
      packages: ["python3", "htop"],
    });

    const view = await openedModal(b, ALICE);
    expect(initialValue(view, "location")).toBe("hel1");
    expect(initialValue(view, "serverType")).toBe("cx33");
    expect(initialValue(view, "hours")).toBe("8");
    expect(blockOf(view, "packages")?.element.initial_options).toEqual([
      expect.objectContaining({ value: "python3" }),
    ]);
    expect(blockOf(view, "packagesOther")?.element.initial_value).toBe("htop");

    // Refusals change nothing.
    expect(await command(b, ALICE, "prefs set type=cx99")).toContain('Unknown server type "cx99"');
    expect(await command(b, ALICE, "prefs set hours=500")).toContain("At most 24 hours at a time");
    expect(await command(b, ALICE, "prefs set packages=a;b")).toContain(
      '"a;b" is not a nixpkgs package name',
    );
    expect(await command(b, ALICE, "prefs set colour=red")).toContain('"colour=red" is not a setting');
    expect(await command(b, ALICE, "prefs set")).toContain("Say what to set");
    expect(b.running.bot.deps.store.prefs.get(ALICE).serverType).toBe("cx33");

    expect(await command(b, ALICE, "prefs set hours= packages=")).toContain("Saved.");
    expect(b.running.bot.deps.store.prefs.get(ALICE)).toEqual({ serverType: "cx33", location: "hel1" });
    expect(await command(b, ALICE, "prefs save-on-expiry on")).toContain("save on expiry: on");
    expect(b.running.bot.deps.store.prefs.get(ALICE).saveOnExpiry).toBe(true);
    expect(await command(b, ALICE, "prefs save-on-expiry maybe")).toContain("Say on or off");
  });
});

describe("again in Slack", () => {
  it("/ccc again without an earlier machine says so", async () => {
    expect(await command(b, BOB, "again")).toContain("You have no earlier machine to repeat.");
    expect(b.h.cloud.servers()).toEqual([]);
  });

  it("the deleted DM's Again button makes a machine like the last one", async () => {
    const { dm, id } = await readyMachine(b);
    await b.send.clickInMessage(ALICE, "ccc_delete", id, clickWhere(b, dm));
    const deleted = await b.slack.waitFor(() =>
      b.slack.calls("chat.update").find((c) => JSON.stringify(c.body).includes("ccc_again")),
    );
    expect(JSON.stringify(deleted.body)).toContain("was deleted");

    const readyBefore = b.slack.messages().filter((m) => m.text.includes("is ready")).length;
    await b.send.clickInMessage(ALICE, "ccc_again", id, clickWhere(b, dm));
    const again = await b.slack.waitFor(
      () => b.slack.messages().filter((m) => m.text.includes("is ready"))[readyBefore],
      15_000,
    );
    const newId = /ccc-[a-z2-9]{6}/.exec(again.text)?.[0] ?? "";
    expect(newId).not.toBe(id);
    expect(b.running.bot.deps.store.require(newId)).toMatchObject({ serverType: "cx23", location: "fsn1" });
    await command(b, ALICE, `deprovision ${newId}`);
  });
});
