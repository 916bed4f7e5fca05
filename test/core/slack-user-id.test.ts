// What a Slack member id looks like is said in one place (core/identity), and every form built around
// it (a mention, a typed `@U…`, a bare `@name` that is no id) follows that one pattern.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/config.ts";
import { isSlackUserId, SLACK_USER_ID_FORM } from "../../src/core/identity/identity.ts";
import { BARE_NAME, parseGuest, parseOwner } from "../../src/core/instances/owner.ts";
import { personMrkdwn } from "../../src/render/access.ts";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("the Slack user id pattern", () => {
  it("has one owner: no other source file spells it", () => {
    const spelled = sourceFiles(join(PROJECT_ROOT, "src"))
      .filter((file) => /\[UW\]\[A-Z0-9\]/.test(readFileSync(file, "utf8")))
      .map((file) => relative(PROJECT_ROOT, file));
    expect(spelled).toEqual(["src/core/identity/identity.ts"]);
    expect(SLACK_USER_ID_FORM).toBe("[UW][A-Z0-9]{2,}");
  });

  it("tells ids from names the same way in every form", () => {
    expect(isSlackUserId("U012AB3CD")).toBe(true);
    expect(isSlackUserId("W012AB3CD")).toBe(true);
    expect(isSlackUserId("alice")).toBe(false);
    expect(isSlackUserId("u012ab3cd")).toBe(false);
    expect(parseOwner("<@U012AB3CD|bob>")).toBe("U012AB3CD");
    expect(parseOwner("@U012AB3CD")).toBe("U012AB3CD");
    expect(parseGuest("<@W012AB3CD>")).toBe("W012AB3CD");
    expect(BARE_NAME.test("@U012AB3CD")).toBe(false);
    expect(BARE_NAME.test("@bob")).toBe(true);
    expect(personMrkdwn("U012AB3CD")).toBe("<@U012AB3CD>");
    expect(personMrkdwn("alice")).toBe("alice");
  });
});
