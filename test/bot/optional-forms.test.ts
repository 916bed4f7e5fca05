import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findCommand } from "../../src/commands/index.ts";
import { PROJECT_ROOT } from "../../src/config.ts";
import { requiredWords } from "../../src/slack/slash/parse.ts";
import { ADMIN, ALICE, command } from "./bot-harness.ts";
import { useBotHarness } from "./use-bot.ts";

const b = useBotHarness();

/**
 * Every `/ccc …` form the README shows that needs no id or other value a test would have to make first:
 * the bare verbs and their optional words. Alternatives (`on|off`) are tried one by one.
 */
function readmeForms(): string[] {
  const folder = join(PROJECT_ROOT, "docs");
  const guides = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".md")) : [];
  const docs = [join(PROJECT_ROOT, "README.md"), ...guides.map((f) => join(folder, f))].map((file) =>
    readFileSync(file, "utf8"),
  );
  const forms = new Set<string>();
  for (const doc of docs) {
    for (const [, text = ""] of doc.matchAll(/`\/ccc([^`]*)`/g)) {
      const form = text.replace(/\\\|/g, "|").trim();
      if (/[<>[\]]/.test(form) || form.includes("@")) continue;
      for (const choice of form.split(/\s+/).some((w) => w.includes("|")) ? alternatives(form) : [form]) {
        forms.add(choice);
      }
    }
  }
  return [...forms];
}

function alternatives(form: string): string[] {
  const words = form.split(/\s+/);
  const at = words.findIndex((w) => w.includes("|"));
  return (words[at] ?? "")
    .split("|")
    .map((choice) => [...words.slice(0, at), choice, ...words.slice(at + 1)].join(" "));
}

describe("/ccc forms without required words, as the README and docs/ list them", () => {
  it("counts no words inside an optional part as required", () => {
    expect(requiredWords("budget [set @person <eur>]")).toBe(0);
    expect(requiredWords("token [list | revoke <id>]")).toBe(0);
    expect(requiredWords("restore <snapshot> [hours]")).toBe(1);
    expect(requiredWords("extend <id> <hours>")).toBe(2);
  });

  it("answers each with what it asks for, never its usage line", async () => {
    const forms = readmeForms();
    // The README's own examples of this kind: if it stops listing them, this test must say so.
    for (const expected of ["", "budget", "list", "status", "prefs", "usage all", "volumes", "token list"]) {
      expect(forms).toContain(expected);
    }
    for (const form of forms) {
      const verb = findCommand(form.split(/\s+/)[0] || "help", "slack");
      // Forms that open a modal or send a DM instead of answering have their own tests (provision,
      // again, key and token in this folder).
      if (verb?.doors.slack?.hook) continue;
      const who = form.endsWith(" all") ? ADMIN : ALICE;
      const shown = await command(b, who, form);
      expect({ form, shown }).not.toMatchObject({ shown: expect.stringContaining("Usage:") });
      expect({ form, shown }).not.toMatchObject({ shown: expect.stringContaining("I don't know") });
    }
  });

  it("shows your budget for bare /ccc budget", async () => {
    const shown = await command(b, ALICE, "budget");
    expect(shown).not.toContain("Usage:");
    expect(shown).toMatch(/spent/i);
  });
});
