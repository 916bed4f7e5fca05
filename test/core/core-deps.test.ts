// Core's policies are required parts of CoreDeps, filled from settings in one place (src/compose.ts),
// and tests build CoreDeps through one builder (test/helpers/core-deps.ts) that fills them the same way.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/config.ts";
import { DEFAULT_HIBERNATION } from "../../src/core/hibernate/idle-policy.ts";
import { buildCoreDeps, testPolicies } from "../helpers/core-deps.ts";

const POLICIES = [
  "policy",
  "guardrails",
  "snapshots",
  "hibernation",
  "software",
  "volumes",
  "pool",
  "workspace",
  "tasks",
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("core's policies", () => {
  it("are filled by the test builder as an operator who set nothing has them, and replaced on request", () => {
    const dir = mkdtempSync(join(tmpdir(), "ccc-deps-"));
    try {
      const deps = buildCoreDeps({ CCC_DB_PATH: join(dir, "ccc.db"), CCC_POOL: "cx23@fsn1=1" });
      expect(Object.keys(testPolicies()).sort()).toEqual([...POLICIES].sort());
      for (const name of POLICIES) expect(deps[name as keyof typeof deps], name).toBeDefined();
      expect(deps.hibernation).toEqual(testPolicies().hibernation);
      expect(deps.pool.targets).toHaveLength(1);
      const capped = { ...DEFAULT_HIBERNATION, maxIdleMinutes: 120 };
      const other = buildCoreDeps({ CCC_DB_PATH: join(dir, "other.db") }, {}, { hibernation: capped });
      expect(other.hibernation.maxIdleMinutes).toBe(120);
      expect(other.pool.targets).toEqual([]);
      deps.store.close();
      other.store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("have no fallback in core, and tests compose CoreDeps only through the builder", () => {
    const guessed = new RegExp(`deps\\.(?:${POLICIES.join("|")})(?:\\s*\\?\\?|\\?\\.)`);
    const inSrc = sourceFiles(join(PROJECT_ROOT, "src")).filter((f) => guessed.test(readFileSync(f, "utf8")));
    expect(inSrc.map((f) => relative(PROJECT_ROOT, f))).toEqual([]);
    const composing = sourceFiles(join(PROJECT_ROOT, "test")).filter((f) =>
      /\bcomposeCore\(/.test(readFileSync(f, "utf8")),
    );
    expect(composing.map((f) => relative(PROJECT_ROOT, f))).toEqual(["test/helpers/core-deps.ts"]);
  });
});
