import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.ts";
import { COMMANDS, type Command, findCommand } from "../../src/commands/index.ts";
import { PROJECT_ROOT } from "../../src/config.ts";
import { helpMessage } from "../../src/slack/slash/help.ts";
import { SLASH_HOOKS } from "../../src/slack/slash/hooks.ts";
import { parseCommandText } from "../../src/slack/slash/parse.ts";

const io = { env: {}, stdout: () => {}, stderr: () => {}, readStdin: () => "" };

/** Verbs with a CLI door that the generated `ccc` does not have, by name or alias. */
function missingFromCli(listed: readonly Command[], built: readonly Command[]): string[] {
  const program = buildProgram(io, { json: false, exitCode: 0 }, built);
  const names = new Set(program.commands.flatMap((c) => [c.name(), ...c.aliases()]));
  return listed
    .filter((v) => v.doors.cli && ![v.name, ...v.aliases].every((n) => names.has(n)))
    .map((v) => v.name);
}

/** Verbs with a Slack door that `/ccc help` does not mention. */
function missingFromHelp(listed: readonly Command[], built: readonly Command[]): string[] {
  const help = JSON.stringify(helpMessage(undefined, built).blocks);
  return listed.filter((v) => v.doors.slack && !help.includes(`/ccc ${v.name}`)).map((v) => v.name);
}

describe("the command registry", () => {
  it("has every verb in the CLI, with its aliases", () => {
    expect(missingFromCli(COMMANDS, COMMANDS)).toEqual([]);
    // The check itself catches a verb left out of what the CLI is built from.
    expect(
      missingFromCli(
        COMMANDS,
        COMMANDS.filter((c) => c.name !== "types"),
      ),
    ).toEqual(["types"]);
  });

  it("has every Slack verb in /ccc help, and /ccc finds each by name and alias", () => {
    expect(missingFromHelp(COMMANDS, COMMANDS)).toEqual([]);
    expect(
      missingFromHelp(
        COMMANDS,
        COMMANDS.filter((c) => c.name !== "extend"),
      ),
    ).toEqual(["extend"]);
    for (const verb of COMMANDS.filter((c) => c.doors.slack)) {
      for (const word of [verb.name, ...verb.aliases]) {
        expect(parseCommandText(`${word.toUpperCase()} x`)).toMatchObject({
          kind: "verb",
          command: verb,
          words: ["x"],
        });
      }
    }
  });

  it("has a test file for every verb", () => {
    const untested = COMMANDS.filter(
      (v) => !existsSync(join(PROJECT_ROOT, "test/commands", `${v.name}.test.ts`)),
    );
    expect(untested.map((v) => v.name)).toEqual([]);
  });

  it("gives each verb a door, one name for one verb, and a Slack hook for each it names", () => {
    const words = COMMANDS.flatMap((c) => [c.name, ...c.aliases]);
    expect(new Set(words).size).toBe(words.length);
    expect(words).not.toContain("help");
    for (const verb of COMMANDS) {
      expect(verb.doors.cli ?? verb.doors.slack).toBeDefined();
      expect(findCommand(verb.name)).toBe(verb);
      const hook = verb.doors.slack?.hook;
      if (hook) expect(SLASH_HOOKS[hook]).toBeTypeOf("function");
    }
  });

  it("lets only admins run the lifecycle passes, and only the CLI offers them", () => {
    const admin = COMMANDS.filter((c) => c.audience === "admin").map((c) => c.name);
    expect(admin).toEqual([
      "billing",
      "events",
      "check-expired",
      "remind",
      "reconcile",
      "pool",
      "init",
      "migrate",
      "backup",
    ]);
    expect(COMMANDS.filter((c) => c.audience === "admin" && c.doors.slack)).toEqual([]);
  });
});
