// Issue 22: a person mentioned in a task's words reaches the model by the name the asker saw (`@Bob`).
import { describe, expect, it } from "vitest";
import { plainSlackText } from "../../../src/render/block-kit/slack-text.ts";
import { withMentionNames } from "../../../src/slack/task/mention-names.ts";

const NAMES: Record<string, string> = { U0BOB: "Bob", U0EVE: "eve|<x>" };
const nameOf = async (id: string) => NAMES[id] ?? id;

describe("withMentionNames", () => {
  it("names bare mentions, leaves the bot, labelled mentions and unknown people as they are", async () => {
    const text = "<@UCCCBOT> ask <@U0BOB> and <@U0BOB|bobby>, not <@U0GONE> nor <@U0EVE>";
    const named = await withMentionNames(text, nameOf, "UCCCBOT");
    expect(named).toBe("<@UCCCBOT> ask <@U0BOB|Bob> and <@U0BOB|bobby>, not <@U0GONE> nor <@U0EVE>");
    expect(plainSlackText(named)).toBe("@UCCCBOT ask @Bob and @bobby, not @U0GONE nor @U0EVE");
  });

  it("asks nobody when nobody is mentioned, and keeps the id when the lookup fails", async () => {
    const asked: string[] = [];
    const record = async (id: string) => {
      asked.push(id);
      return id;
    };
    expect(await withMentionNames("no one", record)).toBe("no one");
    expect(asked).toEqual([]);
    const failing = async (): Promise<string> => {
      throw new Error("slack down");
    };
    expect(await withMentionNames("hi <@U0BOB>", failing)).toBe("hi <@U0BOB>");
  });

  it("looks up at most 20 people in one message; the others stay ids", async () => {
    const asked: string[] = [];
    const named = async (id: string) => {
      asked.push(id);
      return `n${id}`;
    };
    const ids = Array.from({ length: 25 }, (_, i) => `U0P${String(i).padStart(2, "0")}`);
    const text = await withMentionNames(ids.map((id) => `<@${id}>`).join(" "), named);
    expect(asked).toHaveLength(20);
    expect(text).toContain("<@U0P00|nU0P00>");
    expect(text).toContain("<@U0P24>");
  });
});
