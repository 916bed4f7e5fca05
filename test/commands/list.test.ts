import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/commands/input.ts";
import { list, listBlocks, listCommand, listInput, listText } from "../../src/commands/list.ts";
import { share } from "../../src/commands/share.ts";
import { parseConfig } from "../../src/config.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { ADMIN, ALICE, anInstance, BOB, caught, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("list", () => {
  it("shows the asker's live machines; everyone's and another user's are for admins", async () => {
    const mine = w.plant(ALICE.id);
    const bobs = w.plant(BOB.id);
    w.plant(ALICE.id, { status: "deleted" });
    const ids = async (actor: typeof ALICE, raw: unknown) =>
      ((await listCommand.execute(w.ctx(actor), raw)).json() as { id: string }[]).map((i) => i.id);
    expect(await ids(ALICE, {})).toEqual([mine.id]);
    expect((await ids(ADMIN, { all: true })).sort()).toEqual([bobs.id, mine.id].sort());
    expect(await ids(ADMIN, { user: BOB.id })).toEqual([bobs.id]);
    expect(await caught(() => listCommand.execute(w.ctx(ALICE), { all: true }))).toBeInstanceOf(
      ForbiddenError,
    );
    const other = await caught(() => listCommand.execute(w.ctx(ALICE), { user: BOB.id }));
    expect(other).toMatchObject({ message: "Only admins can list someone else's machines." });
  });

  it("shows who else was let into each machine, in the table, the cards and the JSON", async () => {
    const machine = w.plant(ALICE.id, { status: "ready", ipv4: "203.0.113.9" });
    w.plant(ALICE.id, { status: "ready" });
    await share(w.ctx(ALICE), { id: machine.id, with: BOB.id, sshKey: makeKeyPair().publicKey });
    const result = list(w.ctx(ALICE), {});
    expect(listText(result, NOW)).toContain(`\n${machine.id} is shared with ${BOB.id}`);
    expect(JSON.stringify(listBlocks(result, NOW).blocks)).toContain(`Shared with <@${BOB.id}>`);
    const json = (await listCommand.execute(w.ctx(ALICE), {})).json() as { id: string; guests: string[] }[];
    expect(json.map((i) => i.guests)).toEqual(json.map((i) => (i.id === machine.id ? [BOB.id] : [])));
  });

  it("checks the user it is asked about like an owner, and takes no other shape", () => {
    expect(parseInput(listInput, {})).toEqual({ all: false });
    expect(() => parseInput(listInput, { user: "bob; rm -rf /" })).toThrow(/The owner must be/);
    expect(() => parseInput(listInput, { all: "yes" })).toThrow(/^all: /);
  });

  it("renders a table (with owners for all), and Slack cards with a cap of 15", () => {
    const machines = [anInstance(), anInstance({ id: "ccc-bbbbbb", owner: BOB.id, ipv4: null })];
    const table = listText({ instances: machines, all: true }, NOW);
    expect(table.split("\n")[0]).toMatch(/^ID\s+OWNER\s+STATUS\s+TYPE\s+LOCATION\s+IPV4\s+EXPIRES\s+LEFT$/);
    expect(table).toContain(
      "ccc-abcdef  U0ALICE  ready   cx23  fsn1      203.0.113.7  2026-11-25 14:00 UTC  2 h",
    );
    expect(table).toMatch(/ccc-bbbbbb\s+U0BOB\s+ready\s+cx23\s+fsn1\s+-\s/);
    expect(listText({ instances: [], all: false }, NOW)).toBe("No machines.");
    expect(listBlocks({ instances: [], all: false }, NOW).text).toBe(
      "You have no machines. Start one with /ccc provision.",
    );
    const many = Array.from({ length: 17 }, (_, n) =>
      anInstance({ id: `ccc-aaaa${"abcdefghjkmnpqrst"[n]}a` }),
    );
    const blocks = listBlocks({ instances: many, all: true }, NOW);
    expect(blocks.text).toMatch(/^All live machines: ccc-aaaaaa, /);
    expect(JSON.stringify(blocks.blocks)).toContain("…and 2 more.");
  });

  it("maps each door's words onto the input", () => {
    const config = parseConfig({});
    expect(listCommand.doors.cli?.input({ args: {}, options: { all: true }, config })).toEqual({
      all: true,
      user: undefined,
    });
    expect(listCommand.doors.slack?.input(["ALL"])).toEqual({ all: true });
    expect(listCommand.doors.slack?.input([])).toEqual({ all: false });
    expect(listCommand.doors.slack?.inAck).toBe(true);
  });
});
