import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLI_REFERENCE, renderCliReference } from "../../scripts/cli-reference.ts";

describe("docs/cli.md", () => {
  it("is what the command registry makes today (run `npm run docs:cli` after changing a verb)", () => {
    const made = renderCliReference();
    expect(made).toContain("## ccc provision");
    expect(made).toContain("## ccc backup");
    expect(readFileSync(CLI_REFERENCE, "utf8")).toBe(made);
  });
});
