import { describe, expect, it } from "vitest";
import { extend, extendBlocks, extendCommand, extendInput, extendText } from "../../src/commands/extend.ts";
import { parseInput } from "../../src/commands/input.ts";
import { QuotaError, UserError } from "../../src/core/errors.ts";
import { requiredWords } from "../../src/slack/slash/parse.ts";
import { ALICE, anInstance, BOB, caught, HOUR, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("extend", () => {
  it("takes hours as text or a number, positive decimals only, and says which field is wrong", async () => {
    expect(parseInput(extendInput, { id: "ccc-abcdef", hours: "1.5" })).toEqual({
      id: "ccc-abcdef",
      hours: 1.5,
    });
    expect(parseInput(extendInput, { id: "ccc-abcdef", hours: 4 }).hours).toBe(4);
    for (const hours of ["abc", "1e3", "-1", "", " "]) {
      const error = await caught(() => parseInput(extendInput, { id: "ccc-abcdef", hours }));
      expect(error).toMatchObject({
        field: "hours",
        message: expect.stringMatching(/^Hours must be a positive/),
      });
    }
    expect(await caught(() => parseInput(extendInput, { id: "ccc-abcdef", hours: "0" }))).toMatchObject({
      message: "Hours must be more than 0.",
    });
    expect(await caught(() => parseInput(extendInput, { id: "ccc-abcdef" }))).toMatchObject({
      message: "hours is required.",
    });
  });

  it("moves a recorded machine's expiry without a server to relabel, within the caps", async () => {
    const mine = w.plant(ALICE.id);
    const shown = await extendCommand.execute(w.ctx(ALICE), { id: mine.id.toUpperCase(), hours: "2" });
    expect(shown.text({ now: NOW, actor: ALICE })).toBe(
      `${mine.id} now expires at 2026-11-25 16:00 UTC (4 h left).\nThe install gives the machine the new time.`,
    );
    expect(w.deps.store.require(mine.id).expiresAt.getTime()).toBe(NOW.getTime() + 4 * HOUR);
    expect(await caught(() => extend(w.ctx(ALICE), { id: mine.id, hours: 25 }))).toBeInstanceOf(QuotaError);
    expect(await caught(() => extend(w.ctx(BOB), { id: mine.id, hours: 1 }))).toMatchObject({
      message: `${mine.id} is not yours, so you cannot extend it.`,
    });
    const failed = w.plant(ALICE.id, { status: "failed" });
    const dead = await caught(() => extend(w.ctx(ALICE), { id: failed.id, hours: 1 }));
    expect(dead).toBeInstanceOf(UserError);
    expect(dead).toMatchObject({ code: "not_live" });
  });

  it("renders the new expiry for the terminal and the card for Slack", () => {
    const i = anInstance();
    expect(extendText(i, new Date(NOW.getTime() + 2 * HOUR + 1))).toBe(
      "ccc-abcdef now expires at 2026-11-25 14:00 UTC (expired).",
    );
    const message = extendBlocks({ instance: i, hours: 1.5 }, NOW);
    expect(message.text).toBe("ccc-abcdef extended by 1.5 h.");
    expect(JSON.stringify(message.blocks)).toContain("ccc_extend_1h");
  });

  it("takes two words in Slack, one after another per machine", () => {
    const slack = extendCommand.doors.slack;
    expect(slack && requiredWords(slack.usage)).toBe(2);
    expect(slack?.serialized).toBe(true);
    expect(slack?.input(["ccc-abcdef", "2"])).toEqual({ id: "ccc-abcdef", hours: "2" });
    expect(extendCommand.doors.cli?.args).toEqual(["<id>", "<hours>"]);
  });
});
