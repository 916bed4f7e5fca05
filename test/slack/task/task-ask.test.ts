// Issue 22: what a person asks for in Slack reaches the task as typed, from Slack's escaped text.
import { describe, expect, it } from "vitest";
import { plainSlackText } from "../../../src/render/block-kit/slack-text.ts";
import { parseMentionTask, parseSlashTask } from "../../../src/slack/task/task-ask.ts";

const BOT = "UCCCBOT";

describe("Slack's escaped text, as typed", () => {
  it("undoes mentions, channels, links and entities, and nothing else", () => {
    expect(plainSlackText("ask <@U0BOB|bob> in <#C1|eng> see <https://x.test/a?b=1&amp;c=2>")).toBe(
      "ask @bob in #eng see https://x.test/a?b=1&c=2",
    );
    expect(plainSlackText("<http://example.com|example.com> <!here> <@U0BOB>")).toBe(
      "example.com @here @U0BOB",
    );
    // A link with words of its own keeps its address; one Slack made of a typed address is the address.
    expect(
      plainSlackText("see <https://docs.test/g?a=1&amp;b=2|the guide> or <mailto:a@b.test|a@b.test>"),
    ).toBe("see the guide (https://docs.test/g?a=1&b=2) or a@b.test");
    expect(plainSlackText("if a &lt; b &amp;&amp; c &gt; d then &amp;lt;")).toBe(
      "if a < b && c > d then &lt;",
    );
  });
});

describe("/ccc task <repo> <what to do>", () => {
  it("takes the first word as the repository and the rest verbatim", () => {
    const prompt = `fix "login" in \`auth.ts\`; don't run $(rm -rf /)\n\n  - keep 'quotes' &lt;ok&gt;`;
    expect(parseSlashTask(`acme/api ${prompt}`)).toEqual({
      kind: "ask",
      repo: "acme/api",
      prompt: `fix "login" in \`auth.ts\`; don't run $(rm -rf /)\n\n  - keep 'quotes' <ok>`,
    });
  });

  it("reads a repository given as a link, with a branch, with a colon, or after `in`", () => {
    expect(parseSlashTask("<https://github.com/acme/api> fix it")).toMatchObject({
      repo: "https://github.com/acme/api",
      prompt: "fix it",
    });
    expect(parseSlashTask("acme/api@dev: fix it")).toMatchObject({ repo: "acme/api@dev", prompt: "fix it" });
    expect(parseSlashTask("in acme/api: fix it")).toMatchObject({ repo: "acme/api", prompt: "fix it" });
    expect(parseSlashTask("in https://gitlab.test/g/sub/app: fix it")).toMatchObject({
      repo: "https://gitlab.test/g/sub/app",
    });
  });

  it("leaves the repository to the channel's default when the first word is not one", () => {
    expect(parseSlashTask("fix the flaky test")).toEqual({
      kind: "ask",
      repo: null,
      prompt: "fix the flaky test",
    });
  });

  it("says so when there is nothing to do", () => {
    expect(parseSlashTask("acme/api")).toEqual({ kind: "empty" });
    expect(parseSlashTask("   ")).toEqual({ kind: "empty" });
  });
});

describe("@ccc in a channel or thread", () => {
  it("reads `in <repo>:` after the mention", () => {
    expect(parseMentionTask(`<@${BOT}> in acme/api: fix the flaky login test`, BOT)).toEqual({
      kind: "ask",
      repo: "acme/api",
      prompt: "fix the flaky login test",
    });
    expect(parseMentionTask(`<@${BOT}|ccc>   in acme/api fix it`, BOT)).toMatchObject({ repo: "acme/api" });
  });

  it("takes a bare first word as the repository only with a colon", () => {
    expect(parseMentionTask(`<@${BOT}> acme/api: fix it`, BOT)).toMatchObject({ repo: "acme/api" });
    expect(parseMentionTask(`<@${BOT}> src/login.ts is flaky`, BOT)).toEqual({
      kind: "ask",
      repo: null,
      prompt: "src/login.ts is flaky",
    });
  });

  it("keeps other people's mentions and the lines as typed", () => {
    expect(parseMentionTask(`<@${BOT}> in acme/api:\nask <@U0BOB|bob>\n\`\`\`\n$(x)\n\`\`\``, BOT)).toEqual({
      kind: "ask",
      repo: "acme/api",
      prompt: "ask @bob\n```\n$(x)\n```",
    });
  });

  it("is empty with only the mention", () => {
    expect(parseMentionTask(`<@${BOT}>`, BOT)).toEqual({ kind: "empty" });
  });
});
