import { afterEach, describe, expect, it } from "vitest";
import { makeKeyPair } from "../helpers/keys.ts";
import { ALICE, type BotHarness, replies, shown, startBotHarness } from "./bot-harness.ts";

let b: BotHarness;
afterEach(async () => {
  expect(b.h.strayServers()).toEqual([]);
  await b.close();
});

const errorsOf = (res: { json: Record<string, unknown> | null }) => {
  expect(res.json?.response_action).toBe("errors");
  return res.json?.errors as Record<string, string>;
};

/** The DM the bot keeps updating for one user, once it shows `text`. */
function dmShowing(text: string) {
  return b.slack.waitFor(
    () => b.slack.messages().find((m) => shown(m).includes(text)),
    15_000,
    `a DM with "${text}"`,
  );
}

describe("the provision modal", () => {
  it("redraws the type list and the cost for the chosen location and hours", async () => {
    b = await startBotHarness();
    const view = {
      id: "VMODAL",
      type: "modal",
      hash: "hash-1",
      callback_id: "ccc_provision",
      state: {
        values: {
          sshKey: { ssh_key: { type: "plain_text_input", value: "ssh-ed25519 AAAAtypedbyalice" } },
          location: { ccc_modal_location: { type: "static_select", selected_option: { value: "hel1" } } },
          serverType: {
            "ccc_modal_type:fsn1": { type: "static_select", selected_option: { value: "cx23" } },
          },
          hours: { ccc_modal_hours: { type: "static_select", selected_option: { value: "8" } } },
        },
      },
    };
    const action = {
      type: "static_select",
      action_id: "ccc_modal_location",
      block_id: "location",
      selected_option: { value: "hel1" },
    };
    expect((await b.send.clickInView(ALICE, action, view)).status).toBe(200);
    const update = await b.slack.waitFor(() => b.slack.calls("views.update")[0]);
    expect(update.body).toMatchObject({ view_id: "VMODAL", hash: "hash-1" });
    const redrawn = JSON.stringify(update.body.view);
    expect(redrawn).toContain('"action_id":"ccc_modal_type:hel1"');
    expect(redrawn).toMatch(/Estimated cost: \*€\d+\.\d{2}\* for 8 h/);
    expect(redrawn).not.toContain("typedbyalice"); // what the user typed stays in Slack, not echoed back
  });
});

describe("submitting the provision modal", () => {
  it("answers each class of bad key on the key field, and records nothing", async () => {
    b = await startBotHarness();
    const pair = makeKeyPair("alice@laptop");
    const cases: [string, string][] = [
      [pair.privateKey, "PRIVATE key"],
      [pair.privateKey.split("\n").slice(1, -2).join("\n"), "PRIVATE key"], // body without its header
      ["", "No SSH public key was given"],
      ["hello there", "does not look like an SSH public key"],
      [`${pair.publicKey}\n${makeKeyPair().publicKey}`, "exactly one public key"],
      [`command="rm -rf /" ${pair.publicKey}`, "authorized_keys options"],
      [
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        "PEM public key",
      ],
    ];
    for (const [sshKey, expected] of cases) {
      const res = await b.send.submitProvision(ALICE, {
        sshKey,
        location: "fsn1",
        serverType: "cx23",
        hours: "2",
      });
      expect(res.status).toBe(200);
      expect(errorsOf(res).sshKey).toContain(expected);
    }
    const [privateCase] = cases;
    const privateAnswer = await b.send.submitProvision(ALICE, {
      sshKey: privateCase?.[0] ?? "",
      location: "fsn1",
    });
    expect(errorsOf(privateAnswer).sshKey).toContain("Treat it as compromised");

    expect(b.running.bot.deps.store.list({ includeEnded: true })).toEqual([]);
    expect(b.h.cloud.servers()).toEqual([]);
    // The private key reached neither the log nor Slack.
    const secretLine = pair.privateKey.split("\n")[2] ?? "";
    expect(secretLine.length).toBeGreaterThan(20);
    expect(JSON.stringify(b.logs)).not.toContain(secretLine);
    expect(JSON.stringify(b.slack.calls())).not.toContain(secretLine);
  });

  it("answers a bad type, location or lifetime on its own field", async () => {
    b = await startBotHarness();
    const sshKey = makeKeyPair().publicKey;
    const type = await b.send.submitProvision(ALICE, {
      sshKey,
      location: "fsn1",
      serverType: "cx999",
      hours: "2",
    });
    expect(errorsOf(type).serverType).toContain('Unknown server type "cx999"');
    const where = await b.send.submitProvision(ALICE, {
      sshKey,
      location: "mars1",
      serverType: "cx23",
      hours: "2",
    });
    expect(errorsOf(where).location).toContain('Unknown location "mars1"');
    const hours = await b.send.submitProvision(ALICE, {
      sshKey,
      location: "fsn1",
      serverType: "cx23",
      hours: "99",
    });
    expect(errorsOf(hours).hours).toContain("At most 24 hours");
  });

  it("builds the machine and keeps one DM up to date: queued → steps → ready with buttons", async () => {
    b = await startBotHarness();
    // The install cannot finish until the test says so: the form must be answered before that.
    b.h.installer.behave({ held: true });
    const sshKey = makeKeyPair("alice@laptop").publicKey;
    const res = await b.send.submitProvision(ALICE, {
      sshKey,
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: "clear" });
    expect(b.running.bot.deps.store.list({ owner: ALICE }).map((i) => i.status)).not.toContain("ready");
    await dmShowing("Installing NixOS");
    b.h.installer.release();

    const dm = await dmShowing("is ready");
    expect(b.slack.calls("conversations.open")[0]?.body.users).toBe(ALICE);
    expect(b.slack.calls("chat.postMessage")).toHaveLength(1); // one message, updated in place
    expect(dm.history[0]?.text).toMatch(/^ccc-[a-z2-9]{6} is being created, about 5 minutes\.$/);
    expect(dm.history.length).toBeGreaterThanOrEqual(3);
    expect(shown(dm.history.at(-2))).toContain("Installing NixOS");

    const [instance] = b.running.bot.deps.store.list({ owner: ALICE });
    expect(instance?.status).toBe("ready");
    const [server] = b.h.cloud.servers();
    expect(server?.name).toBe(instance?.id);
    expect(JSON.parse(b.h.installer.calls()[0]?.instanceJson ?? "{}").userSshKey).toBe(sshKey);

    const ready = shown(dm);
    expect(ready).toContain(`ssh -p ${b.h.env.CCC_SSH_PORT} claude@${server?.public_net.ipv4.ip}`);
    expect(ready).toContain("cx23 in fsn1");
    // The pinned host key, ready to paste: the user's first ssh needs no trust on first use.
    expect(instance?.hostKey).toMatch(/^ssh-ed25519 /);
    const port = b.h.env.CCC_SSH_PORT;
    expect(ready).toContain(
      `[${server?.public_net.ipv4.ip}]:${port},[${instance?.ipv6}]:${port} ${instance?.hostKey}`,
    );
    expect(ready).toMatch(/Host key `SHA256:[A-Za-z0-9+/]{43}`/);
    expect(ready).toContain(
      `<!date^${(instance?.expiresAt.getTime() ?? 0) / 1000}^{date_short_pretty} {time}|`,
    );
    expect(ready).toMatch(/in (119|120) minutes|in 2 hours/);
    for (const button of ["ccc_extend_1h", "ccc_extend_4h", "ccc_delete"]) expect(ready).toContain(button);
    expect(ready).toContain('"confirm"');

    // The next modal is prefilled with the key just used.
    await b.send.command(ALICE, "provision", b.slack.responseUrl());
    const open = await b.slack.waitFor(() => b.slack.calls("views.open")[0]);
    expect(JSON.stringify(open.body.view)).toContain(JSON.stringify(sshKey).slice(1, -1));

    await b.send.command(ALICE, `deprovision ${instance?.id}`, b.slack.responseUrl());
    await b.slack.waitFor(() => replies(b.slack).find((r) => r.text.includes("deleted")));
    expect(b.h.cloud.servers()).toEqual([]);
  });

  it("says what failed, and that nothing keeps running, when the install fails", async () => {
    b = await startBotHarness();
    b.h.installer.behave({ exitCode: 1, errorOutput: "error: disko failed" });
    const sshKey = makeKeyPair().publicKey;
    await b.send.submitProvision(ALICE, { sshKey, location: "fsn1", serverType: "cx23", hours: "1" });
    const dm = await dmShowing("could not be created");
    expect(shown(dm)).toContain("nothing keeps running");
    await b.slack.waitFor(() => b.h.cloud.servers().length === 0 || null);
    expect(b.running.bot.deps.store.list({ includeEnded: true })[0]?.status).toBe("failed");
  });

  it("stops building when the owner deletes the machine meanwhile, and the DM says deleted", async () => {
    b = await startBotHarness();
    // The installer fails once its server is gone, as the real one does when its connection drops.
    b.h.installer.behave({ held: true, exitCode: 1, errorOutput: "ssh: connection closed" });
    await b.send.submitProvision(ALICE, {
      sshKey: makeKeyPair().publicKey,
      location: "fsn1",
      serverType: "cx23",
    });
    await dmShowing("Installing NixOS");
    const [instance] = b.running.bot.deps.store.list({ owner: ALICE });
    await b.send.command(ALICE, `deprovision ${instance?.id}`, b.slack.responseUrl());
    await b.slack.waitFor(() => b.h.cloud.servers().length === 0 || null);
    b.h.installer.release();
    const dm = await dmShowing(`${instance?.id} was deleted.`);
    expect(shown(dm)).not.toContain("could not be created");
    // The build's own cleanup may reach Hetzner first; the owner's delete still ends, and answers, deleted.
    await b.slack.waitFor(() => replies(b.slack).find((r) => r.text.includes("deleted")));
    expect(b.running.bot.deps.store.get(instance?.id ?? "")?.status).toBe("deleted");
    expect(b.h.cloud.servers()).toEqual([]);
  });

  it("keeps building when the DM cannot be sent, and still delivers the outcome", async () => {
    b = await startBotHarness();
    b.slack.fail("chat.postMessage", { error: "ratelimited", retryAfter: 0 });
    b.slack.fail("chat.update", { error: "channel_not_found", times: 20 });
    await b.send.submitProvision(ALICE, {
      sshKey: makeKeyPair().publicKey,
      location: "fsn1",
      serverType: "cx23",
    });
    await dmShowing("is ready");
    const [instance] = b.running.bot.deps.store.list({ owner: ALICE });
    expect(instance?.status).toBe("ready");
    await b.send.command(ALICE, `deprovision ${instance?.id}`, b.slack.responseUrl());
    await b.slack.waitFor(() => b.h.cloud.servers().length === 0 || null);
  });

  it("refuses over the quota, saying the limit and what the user has", async () => {
    b = await startBotHarness({ env: { CCC_MAX_INSTANCES_PER_USER: "1" } });
    const sshKey = makeKeyPair().publicKey;
    await b.send.submitProvision(ALICE, { sshKey, location: "fsn1", serverType: "cx23", hours: "1" });
    const second = await b.send.submitProvision(ALICE, {
      sshKey,
      location: "fsn1",
      serverType: "cx23",
      hours: "1",
    });
    expect(second.json?.response_action).toBe("update");
    expect(JSON.stringify(second.json)).toContain("You already have 1 machine running; the limit is 1.");
    await dmShowing("is ready");
    const [instance] = b.running.bot.deps.store.list({ owner: ALICE });
    await b.send.command(ALICE, `deprovision ${instance?.id}`, b.slack.responseUrl());
    await b.slack.waitFor(() => b.h.cloud.servers().length === 0 || null);
  });
});
