import { SUBCOMMANDS } from "../blocks/reply-blocks.ts";

export type Subcommand = (typeof SUBCOMMANDS)[number];

const ALIASES: Record<string, Subcommand> = {
  delete: "deprovision",
  new: "provision",
  create: "provision",
  ls: "list",
};

export type Parsed =
  | { kind: "command"; name: Subcommand; args: string[] }
  | { kind: "unknown"; word: string; suggestion: Subcommand | null };

/** `/ccc <subcommand> args…`; a bare `/ccc` is help. */
export function parseCommandText(text: string): Parsed {
  const [first, ...args] = text.trim().split(/\s+/).filter(Boolean);
  if (first === undefined) return { kind: "command", name: "help", args: [] };
  const word = first.toLowerCase();
  const name = (SUBCOMMANDS as readonly string[]).includes(word) ? (word as Subcommand) : ALIASES[word];
  if (name) return { kind: "command", name, args };
  return { kind: "unknown", word: first.slice(0, 40), suggestion: didYouMean(word) };
}

/** The nearest subcommand by prefix or edit distance (at most 2), if any. */
export function didYouMean(word: string): Subcommand | null {
  const prefixed = SUBCOMMANDS.find((s) => word.length >= 2 && s.startsWith(word));
  if (prefixed) return prefixed;
  let best: { name: Subcommand; distance: number } | null = null;
  for (const name of SUBCOMMANDS) {
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
