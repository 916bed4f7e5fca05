// How ccc shows a person in every door: by their Slack display name when the door could look it up,
// with the id beside it in the terminal; by the id alone otherwise (an operator's name is its own).

import { isSlackUserId } from "../core/identity/identity.ts";

/** Display names by Slack member id, as a door looked them up; anyone missing is shown by their id. */
export type PeopleNames = ReadonlyMap<string, string>;

/** "Bob (U0BOB)" for the terminal when Slack gave a name; the id (or operator name) as it is otherwise. */
export function personText(id: string, names?: PeopleNames): string {
  const name = names?.get(id);
  return name && name !== id ? `${name} (${id})` : id;
}

/** The Slack member ids in every `owner` field of a JSON answer, each once: whose names to look up. */
export function ownersIn(json: unknown): string[] {
  const found = new Set<string>();
  walk(json, (o) => {
    if (typeof o.owner === "string" && isSlackUserId(o.owner)) found.add(o.owner);
  });
  return [...found];
}

/**
 * The JSON answer with an `ownerName` beside each `owner`: the display name Slack gave, else null
 * (an operator's name, someone Slack does not know, or no Slack settings).
 */
export function withOwnerNames<T>(json: T, names: PeopleNames): T {
  return map(json, names) as T;
}

function map(value: unknown, names: PeopleNames): unknown {
  if (Array.isArray(value)) return value.map((v) => map(v, names));
  if (!value || typeof value !== "object" || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = map(v, names);
    if (key === "owner" && typeof v === "string") out.ownerName = names.get(v) ?? null;
  }
  return out;
}

function walk(value: unknown, visit: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
    return;
  }
  if (!value || typeof value !== "object") return;
  visit(value as Record<string, unknown>);
  for (const v of Object.values(value)) walk(v, visit);
}

/** Looks each id up with `nameOf` (at once, so a list waits for Slack once); ids that stay ids are left out. */
export async function lookUpNames(
  ids: readonly string[],
  nameOf: (id: string) => Promise<string | null>,
): Promise<Map<string, string>> {
  const pairs = await Promise.all(ids.map(async (id) => [id, await nameOf(id).catch(() => null)] as const));
  return new Map(pairs.filter((p): p is readonly [string, string] => Boolean(p[1]) && p[1] !== p[0]));
}
