import { describe, expect, it } from "vitest";
import { findCommand } from "../../src/commands/index.ts";
import { didYouMean, parseCommandText, requiredWords, slashNames } from "../../src/slack/slash/parse.ts";

describe("/ccc parsing", () => {
  it("takes a bare /ccc and help as help, and finds verbs by name or alias in any case", () => {
    expect(parseCommandText("")).toEqual({ kind: "help" });
    expect(parseCommandText("  HELP me")).toEqual({ kind: "help" });
    expect(parseCommandText(" Extend  ccc-abcdef   2 ")).toEqual({
      kind: "verb",
      command: findCommand("extend"),
      words: ["ccc-abcdef", "2"],
    });
    expect(parseCommandText("ls all")).toMatchObject({ kind: "verb", command: findCommand("list") });
  });

  it("does not know the CLI-only verbs", () => {
    expect(slashNames()).toEqual([
      "help",
      "provision",
      "again",
      "task",
      "list",
      "status",
      "extend",
      "deprovision",
      "share",
      "unshare",
      "key",
      "save",
      "snapshots",
      "snapshot",
      "restore",
      "hibernate",
      "wake",
      "keep-awake",
      "types",
      "web",
      "token",
      "secret",
      "prefs",
      "volumes",
      "volume",
      "usage",
      "budget",
      "channel",
    ]);
    expect(parseCommandText("reconcile")).toMatchObject({ kind: "unknown", word: "reconcile" });
  });

  it("suggests the nearest name by prefix, then by at most two edits", () => {
    const names = slashNames();
    expect(didYouMean("lsit", names)).toBe("list");
    expect(didYouMean("pro", names)).toBe("provision");
    expect(didYouMean("deprovison", names)).toBe("deprovision");
    expect(didYouMean("typo", names)).toBe("types");
    expect(didYouMean("x", names)).toBeNull();
    expect(didYouMean("frobnicate", names)).toBeNull();
    expect(parseCommandText(`${"z".repeat(60)}`)).toMatchObject({ word: "z".repeat(40), suggestion: null });
  });

  it("counts the words a usage requires", () => {
    expect(requiredWords("extend <id> <hours>")).toBe(2);
    expect(requiredWords("status [id]")).toBe(0);
    // A word in brackets is optional even when it is named: `/ccc budget` and `/ccc token` alone are fine.
    expect(requiredWords("budget [set @person <eur>]")).toBe(0);
    expect(requiredWords("token [list | revoke <id>]")).toBe(0);
    expect(requiredWords("restore <snapshot> [hours]")).toBe(1);
  });
});
