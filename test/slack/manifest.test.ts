// manifest.yml against what the code needs from Slack (issue 20): escaped mentions for /ccc, the user scopes and the
// redirect URL that Sign in with Slack needs, and the docs' setup steps saying the same.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { OIDC_CALLBACK } from "../../src/web/sign-in-routes.ts";

const repo = resolve(import.meta.dirname, "../..");
const manifest = readYamlSubset(readFileSync(resolve(repo, "manifest.yml"), "utf8"));
// The Slack steps live in docs/slack.md, the dashboard's sign-in in docs/user-guide.md.
const readme = ["docs/slack.md", "docs/user-guide.md"]
  .map((f) => readFileSync(resolve(repo, f), "utf8"))
  .join("\n");

type Yaml = string | boolean | Yaml[] | { [key: string]: Yaml };

/**
 * The YAML the manifest is written in (block maps and lists of plain or double-quoted scalars, `#` comments,
 * `>-` folded text); anything else is an error, so the test cannot read a manifest Slack would read otherwise.
 */
function readYamlSubset(text: string): Yaml {
  const lines = text
    .split("\n")
    .map((raw) => ({ raw, text: raw.replace(/(^|\s)#.*$/, "").trimEnd() }))
    .filter((l) => l.text.trim() !== "")
    .map((l) => ({ indent: l.text.length - l.text.trimStart().length, text: l.text.trim() }));
  let i = 0;
  const scalar = (v: string): Yaml =>
    v === "true" ? true : v === "false" ? false : v.startsWith('"') ? JSON.parse(v) : v;
  function block(indent: number): Yaml {
    const first = lines[i];
    if (!first || first.indent < indent) return {};
    if (first.text.startsWith("- ")) {
      const list: Yaml[] = [];
      while (lines[i]?.indent === indent && lines[i]?.text.startsWith("- ")) {
        const item = (lines[i]?.text ?? "").slice(2);
        const entry = /^([\w.-]+):(?:\s+(.*))?$/.exec(item);
        if (entry?.[1]) {
          // A map in a list: its first key on the dash's line, the rest indented under it.
          const line = lines[i];
          if (line) lines[i] = { indent: indent + 2, text: item };
          list.push(block(indent + 2));
        } else {
          list.push(scalar(item));
          i++;
        }
      }
      return list;
    }
    const map: Record<string, Yaml> = {};
    while (lines[i] && lines[i]?.indent === indent) {
      const match = /^([\w.-]+):(?:\s+(.*))?$/.exec(lines[i]?.text ?? "");
      if (!match?.[1]) throw new Error(`not a key: ${lines[i]?.text}`);
      i++;
      const value = match[2] ?? "";
      if (value === ">-") {
        const parts: string[] = [];
        while ((lines[i]?.indent ?? 0) > indent) parts.push(lines[i++]?.text ?? "");
        map[match[1]] = parts.join(" ");
      } else if (value === "") {
        map[match[1]] = block(lines[i]?.indent ?? indent + 2);
      } else {
        map[match[1]] = scalar(value);
      }
    }
    if (lines[i] && (lines[i]?.indent ?? 0) > indent) throw new Error(`bad indent: ${lines[i]?.text}`);
    return map;
  }
  const doc = block(0);
  if (i !== lines.length) throw new Error(`unread: ${lines[i]?.text}`);
  return doc;
}

const at = (value: Yaml, ...path: (string | number)[]): Yaml | undefined =>
  path.reduce<Yaml | undefined>(
    (v, key) =>
      v === undefined || typeof v !== "object" ? undefined : (v as Record<string | number, Yaml>)[key],
    value,
  );

describe("manifest.yml", () => {
  it("escapes mentions in /ccc, so @person arrives as <@U…|name> (issue 20, finding 4)", () => {
    expect(at(manifest, "features", "slash_commands", 0, "command")).toBe("/ccc");
    expect(at(manifest, "features", "slash_commands", 0, "should_escape")).toBe(true);
  });

  it("asks for the user scopes and the redirect URL that Sign in with Slack needs (issue 20)", () => {
    const user = at(manifest, "oauth_config", "scopes", "user");
    expect(user).toEqual(expect.arrayContaining(["openid", "profile"]));
    const urls = at(manifest, "oauth_config", "redirect_urls") as string[];
    expect(urls).toHaveLength(1);
    const url = new URL(urls[0] ?? "");
    expect(url.protocol).toBe("https:");
    expect(url.pathname).toBe(OIDC_CALLBACK);
    // The bot's scopes are still there.
    expect(at(manifest, "oauth_config", "scopes", "bot")).toEqual(
      expect.arrayContaining(["commands", "chat:write", "im:write", "users:read"]),
    );
  });

  it("is what the docs' Slack steps say it sets up", () => {
    const steps = readme.slice(readme.indexOf("### From zero to a working bot"));
    const first = steps.slice(0, steps.indexOf("2. **Make the app-level token**"));
    const said = [...first.matchAll(/`([a-z:._]+)`/g)].map((m) => m[1]);
    const bot = at(manifest, "oauth_config", "scopes", "bot") as string[];
    const user = at(manifest, "oauth_config", "scopes", "user") as string[];
    for (const scope of [...bot, ...user]) expect(said, scope).toContain(scope);
    expect(first).toContain("redirect_urls");
    expect(readme).toContain(`<CCC_PUBLIC_URL>${OIDC_CALLBACK}`);
  });
});
