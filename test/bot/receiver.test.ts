import { describe, expect, it } from "vitest";
import { startBot } from "../../src/bot.ts";
import { ConfigError } from "../../src/config.ts";
import { useBotHarness } from "./use-bot.ts";

const b = useBotHarness();

describe("the HTTP receiver", () => {
  it("checked the bot token with auth.test at start-up, through SLACK_API_URL", () => {
    const [call] = b.slack.calls("auth.test");
    expect(call?.token).toBe(b.slack.token);
  });

  it("acks a correctly signed command and refuses wrong signatures with 401", async () => {
    const url = b.slack.responseUrl();
    const good = await b.send.command("U0ALICE", "help", url);
    expect(good.status).toBe(200);
    expect(good.json?.text).toBe("ccc commands");
    for (const bad of [
      await b.send.command("U0ALICE", "help", url, { secret: "not-the-secret" }),
      await b.send.command("U0ALICE", "help", url, { unsigned: true }),
      await b.send.command("U0ALICE", "help", url, { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 }),
      await b.send.submitProvision("U0ALICE", { sshKey: "x" }, { secret: "not-the-secret" }),
    ]) {
      expect(bad.status).toBe(401);
      expect(bad.body).not.toContain("ccc");
    }
    expect(b.slack.calls("response_url")).toEqual([]);
  });

  it("refuses every subcommand, button and event with a wrong signature, and nothing happens", async () => {
    const url = b.slack.responseUrl();
    const wrong = { secret: "not-the-secret" };
    const subcommands = [
      "",
      "help",
      "provision",
      "list",
      "list all",
      "status",
      "types",
      "extend ccc-abcdef 1",
    ];
    const answers = [
      ...(await Promise.all(
        [...subcommands, "deprovision ccc-abcdef"].map((text) => b.send.command("U0ADMIN", text, url, wrong)),
      )),
      await b.send.clickInMessage(
        "U0ADMIN",
        "ccc_delete",
        "ccc-abcdef",
        { channel: "D0ADMIN", ts: "1", responseUrl: url },
        wrong,
      ),
      await b.send.event(
        { type: "app_home_opened", user: "U0ADMIN", tab: "home", channel: "D0ADMIN" },
        wrong,
      ),
    ];
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 401));
    // Nothing may have started behind the 401s: let anything that did finish before looking.
    await b.running.bot.tasks.idle();
    const reached = b.slack.calls().filter((c) => c.method !== "auth.test" && c.method !== "users.info");
    expect(reached).toEqual([]);
    expect(b.h.cloud.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("answers GET /healthz with 200 while the store is reachable", async () => {
    const res = await fetch(`http://127.0.0.1:${b.running.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, store: "reachable" });
  });
});

describe("settings", () => {
  it("lists every missing setting at once, with where to get it", async () => {
    const error = await startBot({
      PORT: "http",
      CCC_REMIND_MINUTES: "soon",
      CCC_NIXOS_ANYWHERE: "no-such-installer",
      PATH: "/nonexistent",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    // Values that do not parse and settings that are missing or unusable, all in one message.
    expect(text).toContain("PORT: Invalid input");
    expect(text).toContain("CCC_REMIND_MINUTES: a comma-separated list of minutes");
    expect(text).toContain("CCC_NIXOS_ANYWHERE: no-such-installer is not an executable on PATH");
    expect(text).toContain("SLACK_BOT_TOKEN is not set");
    expect(text).toContain("SLACK_APP_TOKEN or SLACK_SIGNING_SECRET");
    expect(text).toContain("HCLOUD_TOKEN is not set");
    expect(text).toContain("CCC_OPERATOR_SSH_KEY is not set");
  });
});
