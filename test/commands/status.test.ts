import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/commands/input.ts";
import { status, statusBlocks, statusCommand, statusInput, statusText } from "../../src/commands/status.ts";
import { ForbiddenError, NotFoundError, UserError } from "../../src/core/errors.ts";
import { ADMIN, ALICE, anInstance, BOB, caught, HOUR, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("status", () => {
  it("normalises an id as typed and refuses what is not one before any lookup", async () => {
    expect(parseInput(statusInput, { id: "  CCC-ABCDEF " })).toEqual({ id: "ccc-abcdef" });
    expect(parseInput(statusInput, {})).toEqual({});
    const bad = await caught(() => parseInput(statusInput, { id: "../etc/passwd" }));
    expect(bad).toBeInstanceOf(UserError);
    expect(bad).toMatchObject({ field: "id", message: expect.stringContaining("is not an instance id") });
    expect(w.deps.store.events()).toEqual([]);
  });

  it("answers one machine with its time left; without an id the asker's one, or the list of theirs", async () => {
    const first = w.plant(ALICE.id);
    const one = await statusCommand.execute(w.ctx(ALICE), {});
    expect(one.json()).toMatchObject({ id: first.id, timeLeftMs: 2 * HOUR });
    const second = w.plant(ALICE.id);
    const both = await statusCommand.execute(w.ctx(ALICE), {});
    expect((both.json() as { id: string }[]).map((i) => i.id).sort()).toEqual([first.id, second.id].sort());
    expect(both.text({ now: NOW, actor: ALICE })).toMatch(/^ID\s+STATUS/);
    expect(status(w.ctx(ADMIN), { id: second.id }).instance.id).toBe(second.id);
  });

  it("refuses someone else's machine and records the refusal", async () => {
    const mine = w.plant(ALICE.id);
    expect(() => status(w.ctx(BOB), { id: mine.id })).toThrow(ForbiddenError);
    expect(w.deps.store.events(mine.id).at(-1)).toMatchObject({ actor: BOB.id, kind: "refused" });
    expect(() => status(w.ctx(ALICE), { id: "ccc-zzzzzz" })).toThrow(NotFoundError);
  });

  it("renders details for the terminal and a card that names the owner to others", () => {
    const i = anInstance();
    const text = statusText({ instance: i, timeLeftMs: 2 * HOUR }, NOW);
    expect(text).toContain("ssh:      ssh claude@203.0.113.7");
    expect(text).toContain("expires:  2026-11-25 14:00 UTC (2 h left)");
    const card = JSON.stringify(statusBlocks({ instance: i, timeLeftMs: 0 }, NOW, true).blocks);
    expect(card).toContain("<@U0ALICE>");
    expect(JSON.stringify(statusBlocks({ instance: i, timeLeftMs: 0 }, NOW, false).blocks)).not.toContain(
      "<@U0ALICE>",
    );
  });
});
