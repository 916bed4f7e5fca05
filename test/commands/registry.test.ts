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

/** What each verb lacks: a door, an example in each door it has, a 202 route for work that goes on. */
function lacking(verbs: readonly Command[]): string[] {
  return verbs.flatMap((v) => {
    const { cli, slack, http } = v.doors;
    const gaps: string[] = [];
    if (!cli && !slack && !http) gaps.push(`${v.name}: no door`);
    if (cli && cli.examples.length === 0) gaps.push(`${v.name}: no CLI example`);
    // A Slack verb that needs words shows them filled in.
    if (slack && !slack.example && /</.test(slack.usage.replace(/\[[^\]]*\]/g, "")))
      gaps.push(`${v.name}: no Slack example`);
    for (const route of http ?? []) {
      if (route.example.response === undefined) gaps.push(`${v.name}: ${route.path} has no example`);
      if (route.from === "body" && !route.example.body)
        gaps.push(`${v.name}: ${route.path} has no body example`);
      // 202 means "answered now, goes on": only a verb with a start can say that truthfully.
      if ((route.status === 202) !== v.longRunning)
        gaps.push(`${v.name}: ${route.path} answers ${route.status}`);
    }
    return gaps;
  });
}

describe("the command registry", () => {
  it("gives every verb a door and an example in each of its doors; 202 exactly for the long-running ones", () => {
    expect(lacking(COMMANDS)).toEqual([]);
    // The check itself notices a verb without an example, one without a door, and a wrong status.
    const extend = COMMANDS.find((c) => c.name === "extend") as Command;
    const cli = extend.doors.cli as NonNullable<Command["doors"]["cli"]>;
    const route = extend.doors.http?.[0] as NonNullable<Command["doors"]["http"]>[number];
    expect(
      lacking([
        { ...extend, doors: { cli: { ...cli, examples: [] } } },
        { ...extend, name: "nowhere", doors: {} },
        { ...extend, name: "later", doors: { http: [{ ...route, status: 202 }] } },
      ]),
    ).toEqual(["extend: no CLI example", "nowhere: no door", "later: /instances/:id/extend answers 202"]);
    expect(COMMANDS.filter((c) => c.longRunning).map((c) => c.name)).toEqual([
      "provision",
      "again",
      "task",
      "save",
      "restore",
      "wake",
    ]);
  });

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
      expect(verb.doors.cli ?? verb.doors.slack ?? verb.doors.http).toBeDefined();
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
