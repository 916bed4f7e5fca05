// What a person typed, from the text Slack sends: with `should_escape` (and always in messages) Slack
// wraps people, channels and links in <…> and escapes &, < and >. Nothing else is touched, so quotes,
// backticks, `$(…)` and newlines come through as typed.

/**
 * Slack's markup and entities undone: `<@U1|bob>` → `@bob`, `<https://x|x>` → `x`, `<https://x|docs>` →
 * `docs (https://x)`, `&lt;` → `<`.
 */
export function plainSlackText(text: string): string {
  const unwrapped = text.replace(/<([^<>]*)>/g, (_, inner: string) => {
    const bar = inner.indexOf("|");
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? null : inner.slice(bar + 1);
    if (target.startsWith("@")) return `@${label ?? target.slice(1)}`;
    if (target.startsWith("#")) return `#${label ?? target.slice(1)}`;
    if (target.startsWith("!")) {
      const special = target.slice(1).split("^")[0] ?? "";
      if (special.startsWith("subteam")) return `@${label?.replace(/^@/, "") ?? "group"}`;
      return label ?? `@${special}`;
    }
    // A link: what the person typed (Slack adds the scheme to a bare `example.com`); a link with words
    // of its own (`<https://x.test/guide|the guide>`) keeps both, so the address is not lost.
    if (label === null || label === target || label === target.replace(/^(https?|mailto):(\/\/)?/, ""))
      return label ?? target;
    return `${label} (${target})`;
  });
  return unwrapped.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The text without leading mentions of `userId` (the bot), e.g. `<@UCCC> in acme/api: …` → `in acme/api: …`. */
export function withoutLeadingMention(text: string, userId: string | undefined): string {
  if (!userId) return text;
  const mention = new RegExp(`^\\s*<@${userId}(?:\\|[^>]*)?>[\\s,:]*`);
  let rest = text;
  while (mention.test(rest)) rest = rest.replace(mention, "");
  return rest;
}
