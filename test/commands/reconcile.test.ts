import { afterEach, describe, expect, it } from "vitest";
import { parseInput } from "../../src/commands/input.ts";
import {
  reconcileCommand,
  reconcileFailed,
  reconcileInput,
  reconcileText,
} from "../../src/commands/reconcile.ts";
import { parseConfig } from "../../src/config.ts";
import type { ReconcileFinding, ReconcileSummary } from "../../src/core/lifecycle/reconcile.ts";
import { ADMIN, NOW, type StoreWorld, startStoreWorld } from "./fixtures.ts";

let w: StoreWorld | null = null;
afterEach(async () => {
  await w?.close();
  w = null;
});

const orphan: ReconcileFinding = {
  kind: "orphan",
  instanceId: null,
  serverId: 7,
  detail: "ccc-x: the store has no instance ccc-x; 20 min old (grace 15 min)",
  action: "delete_server",
  outcome: "dry_run",
  error: null,
};

describe("reconcile", () => {
  it("takes the grace from the operator's settings and --dry-run from the terminal", () => {
    const config = parseConfig({ CCC_ORPHAN_GRACE_MINUTES: "30" });
    expect(reconcileCommand.doors.cli?.input({ args: {}, options: { dryRun: true }, config })).toEqual({
      graceMinutes: 30,
      dryRun: true,
    });
    expect(parseInput(reconcileInput, { graceMinutes: 0 })).toEqual({ graceMinutes: 0, dryRun: false });
    expect(() => parseInput(reconcileInput, { graceMinutes: -1 })).toThrow(/^graceMinutes: /);
  });

  it("finds nothing to do when Hetzner and the store agree", async () => {
    w = await startStoreWorld({ fakeHetzner: true });
    const shown = await reconcileCommand.execute(w.ctx(ADMIN), { graceMinutes: 15, dryRun: true });
    expect(shown.text({ now: NOW, actor: ADMIN })).toBe(
      "0 ccc servers at Hetzner, 0 live in the store (dry run: nothing changed).\nEverything matches.",
    );
    expect(w.fake?.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /servers",
      "GET /images",
      "GET /primary_ips",
      "GET /volumes",
    ]);
  });

  it("words what it found and what became of it, and fails the run for a failed repair", () => {
    const summary: ReconcileSummary = { servers: 1, liveRows: 0, dryRun: true, findings: [orphan] };
    const [head, header, row] = reconcileText(summary).split("\n");
    expect(head).toBe("1 ccc server at Hetzner, 0 live in the store (dry run: nothing changed).");
    expect(header).toMatch(/^KIND\s+INSTANCE\s+SERVER\s+FOUND\s+ACTION$/);
    expect(row).toMatch(/^orphan\s+-\s+7\s+.*would delete the server$/);
    expect(reconcileFailed(summary)).toBe(false);
    const failed = {
      ...summary,
      dryRun: false,
      findings: [{ ...orphan, outcome: "failed" as const, error: "403" }],
    };
    expect(reconcileText(failed)).toContain("FAILED (delete_server): 403");
    expect(reconcileFailed(failed)).toBe(true);
  });
});
