// Who may run a verb is declared once (its audience) and checked by the registry before the verb's
// work, for every door; going beyond oneself (`--user`, `--all`) is one helper with one message.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineCommand } from "../../src/commands/command.ts";
import { COMMANDS, findCommand } from "../../src/commands/index.ts";
import { instanceId } from "../../src/commands/input.ts";
import { PROJECT_ROOT } from "../../src/config.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import { onlyAdminsMay } from "../../src/core/instances/actor.ts";
import { ADMIN, ALICE, BOB, caught } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

/** What each owner-or-admin verb is given, and how its refusal words it. */
const ON_A_MACHINE: Record<string, { raw: (id: string) => Record<string, unknown>; word: string }> = {
  status: { raw: (id) => ({ id }), word: "see" },
  extend: { raw: (id) => ({ id, hours: 1 }), word: "extend" },
  deprovision: { raw: (id) => ({ id }), word: "delete" },
  share: { raw: (id) => ({ id, with: "U0CAROL" }), word: "share" },
  unshare: { raw: (id) => ({ id, with: "U0CAROL" }), word: "unshare" },
  save: { raw: (id) => ({ id }), word: "save" },
  hibernate: { raw: (id) => ({ id }), word: "hibernate" },
  "keep-awake": { raw: (id) => ({ id }), word: "keep awake" },
  wake: { raw: (id) => ({ id }), word: "wake" },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("audiences", () => {
  it("are one of self, admin, owner-or-admin for every verb", () => {
    for (const verb of COMMANDS) expect(["self", "admin", "owner-or-admin"]).toContain(verb.audience);
    const onMachine = COMMANDS.filter((c) => c.audience === "owner-or-admin").map((c) => c.name);
    expect(onMachine.sort()).toEqual(Object.keys(ON_A_MACHINE).sort());
  });

  it("refuse someone else's machine before any work, in the verb's words, and record the refusal", async () => {
    for (const [name, { raw, word }] of Object.entries(ON_A_MACHINE)) {
      const alices = w.plant(ALICE.id);
      const verb = findCommand(name);
      // The store world's cloud fails the test when reached: the refusal comes before the work.
      const refused = await caught(() => verb?.execute(w.ctx(BOB), raw(alices.id.toUpperCase())));
      expect(refused, name).toBeInstanceOf(ForbiddenError);
      expect(refused, name).toMatchObject({
        message: `${alices.id} is not yours, so you cannot ${word} it.`,
      });
      expect(w.deps.store.require(alices.id), name).toEqual(alices);
      const refusals = w.deps.store.events(alices.id).filter((e) => e.kind === "refused");
      expect(refusals, name).toMatchObject([{ actor: BOB.id }]);
    }
  });

  it("are the registry's check, not the verb's: a verb that checks nothing is still refused", async () => {
    const ran: string[] = [];
    const poke = defineCommand({
      name: "poke",
      summary: "a verb for this test",
      input: z.object({ id: instanceId }),
      audience: "owner-or-admin",
      run: (ctx, input) => ran.push(`${ctx.actor.id} ${input.id}`),
      text: () => "poked",
      json: () => ({}),
      doors: {},
    });
    const alices = w.plant(ALICE.id);
    expect(await caught(() => poke.execute(w.ctx(BOB), { id: alices.id }))).toMatchObject({
      code: "forbidden",
      message: `${alices.id} is not yours, so you cannot poke it.`,
    });
    await poke.execute(w.ctx(ALICE), { id: alices.id });
    await poke.execute(w.ctx(ADMIN), { id: alices.id });
    // An id ccc does not know is the verb's to answer.
    await poke.execute(w.ctx(BOB), { id: "ccc-zzzzzz" });
    // A verb whose input names no machine cannot declare owner-or-admin: it does not compile.
    defineCommand({
      name: "nameless",
      summary: "a verb for this test",
      input: z.object({ name: z.string() }),
      // @ts-expect-error: no `id` to find the owner by.
      audience: "owner-or-admin",
      run: () => null,
      text: () => "",
      json: () => ({}),
      doors: {},
    });
    expect(ran).toEqual([`${ALICE.id} ${alices.id}`, `${ADMIN.id} ${alices.id}`, `${BOB.id} ccc-zzzzzz`]);
  });

  it("let the owner and an admin past the check", async () => {
    const alices = w.plant(ALICE.id);
    const status = findCommand("status");
    expect((await status?.execute(w.ctx(ALICE), { id: alices.id }))?.json()).toMatchObject({ id: alices.id });
    expect((await status?.execute(w.ctx(ADMIN), { id: alices.id }))?.json()).toMatchObject({ id: alices.id });
  });

  it("keep admin verbs to admins, whatever the door", async () => {
    const refused = await caught(() => findCommand("events")?.execute(w.ctx(ALICE), {}));
    expect(refused).toMatchObject({ code: "forbidden", message: "Only admins can run events." });
  });

  it("say going beyond oneself in one message, from one helper", async () => {
    expect(() => onlyAdminsMay(ALICE, "list someone else's machines", ALICE.id)).not.toThrow();
    expect(() => onlyAdminsMay(ADMIN, "list someone else's machines", BOB.id)).not.toThrow();
    expect(() => onlyAdminsMay(ALICE, "list someone else's machines", BOB.id)).toThrow(
      new ForbiddenError("Only admins can list someone else's machines."),
    );
    expect(() => onlyAdminsMay(ALICE, "list everyone's machines")).toThrow(ForbiddenError);
    const usage = await caught(() => findCommand("usage")?.execute(w.ctx(ALICE), { user: BOB.id }));
    expect(usage).toMatchObject({
      message: "Only admins can see other people's usage; `/ccc usage` shows your own.",
    });
    // The words "Only admins can" are written once in src; every check goes through the helper.
    const spelled = sourceFiles(join(PROJECT_ROOT, "src"))
      .filter((file) => readFileSync(file, "utf8").includes("Only admins can"))
      .map((file) => relative(PROJECT_ROOT, file));
    expect(spelled).toEqual(["src/core/instances/actor.ts"]);
    // Nor does any verb or core rule test `!actor.isAdmin` by hand: ownsOrAdmin and onlyAdminsMay say it.
    const byHand = [
      ...sourceFiles(join(PROJECT_ROOT, "src/core")),
      ...sourceFiles(join(PROJECT_ROOT, "src/commands")),
    ]
      .filter((file) => /!(?:ctx\.)?actor\.isAdmin/.test(readFileSync(file, "utf8")))
      .map((file) => relative(PROJECT_ROOT, file));
    expect(byHand).toEqual([]);
  });
});
