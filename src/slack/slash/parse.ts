import { COMMANDS, type Command, findCommand } from "../../commands/index.ts";

export type Parsed =
  | { kind: "help" }
  | { kind: "verb"; command: Command; words: string[] }
  | { kind: "unknown"; word: string; suggestion: string | null };

/** What `/ccc` answers to by name, in the order help lists them: help, then every verb with a Slack door. */
export function slashNames(): string[] {
  return ["help", ...COMMANDS.filter((c) => c.doors.slack).map((c) => c.name)];
}

/** `/ccc <verb> words…`; a bare `/ccc` is help. */
export function parseCommandText(text: string): Parsed {
  const [first, ...words] = text.trim().split(/\s+/).filter(Boolean);
  if (first === undefined || first.toLowerCase() === "help") return { kind: "help" };
  const command = findCommand(first, "slack");
  if (command) return { kind: "verb", command, words };
  return {
    kind: "unknown",
    word: first.slice(0, 40),
    suggestion: didYouMean(first.toLowerCase(), slashNames()),
  };
}

/** The nearest name by prefix or edit distance (at most 2), if any; earlier names win ties. */
export function didYouMean(word: string, names: readonly string[]): string | null {
  const prefixed = names.find((s) => word.length >= 2 && s.startsWith(word));
  if (prefixed) return prefixed;
  let best: { name: string; distance: number } | null = null;
  for (const name of names) {
    const distance = editDistance(word, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** How many words a usage line requires (`<id> <hours>`: two; nothing inside `[…]`, which is optional). */
export function requiredWords(usage: string): number {
  // Optional parts ask for nothing, the words inside them included: `[set @person <eur>]`, innermost first.
  let required = usage;
  while (/\[[^[\]]*\]/.test(required)) required = required.replace(/\[[^[\]]*\]/g, "");
  return required.match(/<[^>]+>/g)?.length ?? 0;
}
