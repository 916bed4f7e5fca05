import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeKeyPair } from "../helpers/keys.ts";
import {
  buttonInMessage,
  eventCallback,
  provisionSubmission,
  slashCommand,
} from "../helpers/slack-payloads.ts";
import { ALICE, shown } from "./bot-harness.ts";
import { type SocketBotHarness, socketCommand, startSocketBotHarness } from "./socket-harness.ts";

// Node ends a process on an unhandled rejection: one here is a bot that would have died. The tests
// run side by side, so the list is the file's; any test ending after one has appeared fails.
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => void rejections.push(reason);
beforeAll(() => void process.on("unhandledRejection", onRejection));
afterAll(() => void process.off("unhandledRejection", onRejection));

// Each test its own bot, fake Slack and Socket Mode endpoint, so the reconnect waits overlap.
const it = test.extend<{ b: SocketBotHarness }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  b: async ({}, use) => {
    const b = await startSocketBotHarness();
    await use(b);
    try {
      expect(rejections).toEqual([]);
      expect(b.socket.problems()).toEqual([]);
      expect(b.h.strayServers()).toEqual([]);
    } finally {
      await b.close();
    }
  },
});

const helpWorks = async (b: SocketBotHarness) =>
  expect(await socketCommand(b, ALICE, "help")).toContain("ccc commands");

describe.concurrent("the bot in Socket Mode", () => {
  it("connects with the app token through SLACK_API_URL and answers /ccc help in the ack", async ({
    b,
    expect,
  }) => {
    const [open] = b.slack.calls("apps.connections.open");
    expect(open?.token).toBe(b.socket.appToken);
    expect(b.socket.connections()).toHaveLength(1);
    expect(b.logs).toContainEqual(expect.objectContaining({ message: "ccc bot started" }));
    await helpWorks(b);
    const health = await fetch(`http://127.0.0.1:${b.running.port}/healthz`);
    expect(health.status).toBe(200);
  });

  it("acks a command that calls out at once and answers it through the response URL", async ({
    b,
    expect,
  }) => {
    const answer = await socketCommand(b, ALICE, "types");
    expect(b.socket.acks().at(-1)?.payload).toEqual({});
    expect(answer).toContain("cx23");
  });

  it("opens the provision modal, and answers a submission's mistakes on the field", async ({ b, expect }) => {
    const url = b.slack.responseUrl();
    const command = await b.socket.deliver("slash_commands", {
      ...slashCommand(ALICE, "provision", url),
      trigger_id: "trigger-modal",
    });
    expect(command.payload).toEqual({});
    const open = await b.slack.waitFor(() => b.slack.calls("views.open")[0], 10_000, "views.open");
    expect(open.body.trigger_id).toBe("trigger-modal");
    expect(JSON.stringify(open.body.view)).toContain("ccc_provision");

    const submission = provisionSubmission(ALICE, {
      sshKey: "hello there",
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    const ack = await b.socket.deliver("interactive", submission, { acceptsResponsePayload: true });
    expect(ack.payload.response_action).toBe("errors");
    expect((ack.payload.errors as Record<string, string>).sshKey).toContain(
      "does not look like an SSH public key",
    );
    expect(b.running.bot.deps.store.list({ includeEnded: true })).toEqual([]);
    expect(b.h.cloud.servers()).toEqual([]);
  });

  it("provisions from the modal, and Delete now on the ready DM deletes the machine", async ({
    b,
    expect,
  }) => {
    const submission = provisionSubmission(ALICE, {
      sshKey: makeKeyPair().publicKey,
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    const ack = await b.socket.deliver("interactive", submission, { acceptsResponsePayload: true });
    expect(ack.payload).toEqual({ response_action: "clear" });
    const dm = await b.slack.waitFor(
      () => b.slack.messages().find((m) => m.text.includes("is ready")),
      15_000,
      "the ready DM",
    );
    const id = /ccc-[a-z2-9]{6}/.exec(dm.text)?.[0] ?? "";
    const click = buttonInMessage(ALICE, "ccc_delete", id, {
      channel: dm.channel,
      ts: dm.ts,
      responseUrl: b.slack.responseUrl(),
    });
    expect((await b.socket.deliver("interactive", click)).payload).toEqual({});
    await b.slack.waitFor(() => shown(dm).includes("was deleted") || null, 10_000, "the DM saying deleted");
    expect(b.h.cloud.servers()).toEqual([]);
    expect(b.running.bot.deps.store.require(id).status).toBe("deleted");
  });

  it("publishes the App Home when it is opened", async ({ b, expect }) => {
    const event = eventCallback({
      type: "app_home_opened",
      user: ALICE,
      channel: "D0ALICE",
      tab: "home",
      event_ts: `${Date.now() / 1000}`,
    });
    expect((await b.socket.deliver("events_api", event)).payload).toEqual({});
    const home = await b.slack.waitFor(
      () => b.slack.calls("views.publish").find((c) => c.body.user_id === ALICE),
      10_000,
      "views.publish",
    );
    expect(JSON.stringify(home.body.view)).toContain("ccc_new_machine");
  });
});

describe.concurrent("the Socket Mode connection", () => {
  it.for(["refresh_requested", "warning"] as const)(
    "after a disconnect (%s) opens a fresh connection, and nothing is lost",
    async (reason, { b, expect }) => {
      await helpWorks(b);
      b.socket.disconnect(reason);
      // Sent while the bot reconnects: Slack holds it for the next connection.
      const during = socketCommand(b, ALICE, "help");
      await b.socket.waitFor(() => b.socket.live()?.id === 2, 10_000, "the second connection");
      expect(await during).toContain("ccc commands");
      await helpWorks(b);
      expect(b.socket.connections()[0]?.closedAt).not.toBeNull();
      expect(b.slack.calls("apps.connections.open")).toHaveLength(2);
      expect(b.socket.acks().map((a) => a.connection)).toEqual([1, 2, 2]);
    },
  );

  it.for(["abrupt", "silent"] as const)(
    "after a network cut (%s) reconnects and serves what comes after",
    async (how, { b, expect }) => {
      await helpWorks(b);
      b.socket.cut(how);
      await helpWorks(b);
      expect(b.socket.live()?.id).toBe(2);
      expect(b.socket.acks().map((a) => a.connection)).toEqual([1, 2]);
    },
  );

  it.for(["http_503", "drop"] as const)(
    "keeps trying while apps.connections.open fails during a reconnect (%s), and comes back",
    async (kind, { b, expect }) => {
      b.socket.outage(kind);
      b.socket.cut("abrupt");
      await b.socket.waitFor(
        () => b.socket.opens().filter((o) => o.answer === kind).length >= 5,
        15_000,
        "five failed apps.connections.open calls",
      );
      b.socket.endOutage();
      await helpWorks(b);
      expect(b.socket.live()?.id).toBe(2);
      expect(rejections).toEqual([]);
      expect(b.logs.filter((l) => l.message.includes("apps.connections.open failed")).length).toBeGreaterThan(
        0,
      );
    },
  );

  it("stops asking for a connection once the bot is stopped during an outage", async ({ b, expect }) => {
    b.socket.outage("http_503");
    b.socket.cut("abrupt");
    await b.socket.waitFor(() => b.socket.opens().length >= 3, 15_000, "failed apps.connections.open calls");
    await b.running.stop();
    await b.socket.waitFor(
      () => b.logs.some((l) => l.message.includes("Socket Mode stopped")),
      15_000,
      "the retrying to end",
    );
    expect(rejections).toEqual([]);
  });
});
