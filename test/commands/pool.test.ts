import { describe, expect, it } from "vitest";
import { poolCommand } from "../../src/commands/pool.ts";
import { parseConfig } from "../../src/config.ts";
import { perTest } from "../helpers/per-test.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { startPoolWorld } from "../pool/pool-world.ts";

const w = perTest(
  () => startPoolWorld({ CCC_POOL: "cx23@fsn1=2" }),
  () => {},
);

describe("ccc pool", () => {
  it("says what pool is wanted and what it costs when full, before anything is installed", async () => {
    const shown = await runCcc(w.h, ["pool"]);
    expect(shown.code).toBe(0);
    const cx23 = (await w.deps.catalog.load()).types.find((t) => t.name === "cx23");
    // Hourly × 730: members are replaced long before a server reaches Hetzner's monthly cap.
    const monthly = Number(cx23?.prices.find((p) => p.location === "fsn1")?.hourly) * 730 * 2;
    expect(shown.stdout).toContain(
      `Pool wanted: cx23@fsn1=2, about €${monthly.toFixed(2)} per month when full.`,
    );
    expect(shown.stdout).toContain("The pool has no machines.");
  });

  it("fill runs one refill pass and waits for it; the listing then shows each machine with its price", async () => {
    const filled = await runCcc(w.h, ["pool", "fill"]);
    expect(filled.code).toBe(0);
    expect(filled.stdout).toContain("Refill: 2 installed, 0 failed, 0 replaced.");
    // Each machine's steps on standard error as it goes, with the time since its install began.
    const ids = w.deps.store.pool.list().map((m) => m.id);
    for (const id of ids) {
      const mine = filled.stderr
        .split("\n")
        .filter((l) => l.includes(`${id} (cx23@fsn1): `))
        .map((l) => l.replace(/^\[ *\d+\.\ds\] [^:]+: /, ""));
      expect(mine).toEqual([
        "Creating the server at Hetzner",
        "Waiting for the server to boot (SSH)",
        "Installing NixOS with Claude Code",
        "Ready in the pool",
      ]);
    }
    expect(filled.stderr).toMatch(/^\[ *\d+\.\ds\] ccc-\w+ \(cx23@fsn1\): Creating/m);
    const listed = await runCcc(w.h, ["pool", "--json"]);
    const view = JSON.parse(listed.stdout);
    const hourly = (await w.deps.catalog.load()).types
      .find((t) => t.name === "cx23")
      ?.prices.find((p) => p.location === "fsn1")?.hourly;
    expect(view.members).toHaveLength(2);
    for (const m of view.members) {
      expect(m).toMatchObject({
        serverType: "cx23",
        location: "fsn1",
        state: "ready",
        hourly: { amount: Number(hourly).toFixed(6), currency: "EUR" },
      });
      expect(m.ageSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(view.hourlyTotal).toEqual({ amount: (Number(hourly) * 2).toFixed(6), currency: "EUR" });
    const text = await runCcc(w.h, ["pool"]);
    expect(text.stdout).toMatch(/ID +TYPE +LOCATION +STATE +AGE +€\/H/);
    expect(text.stdout).toContain("2 machines");
  });

  it("refuses an unknown action and changes nothing", async () => {
    const bad = await runCcc(w.h, ["pool", "drain"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("ccc pool fill");
    expect(w.deps.store.pool.list()).toEqual([]);
    expect(w.h.installer.calls()).toEqual([]);
  });

  it("lists with only Hetzner's API settings, and asks for the operator key and installer only to fill", async () => {
    const noKey = { CCC_OPERATOR_SSH_KEY: "", CCC_NIXOS_ANYWHERE: "/nonexistent/nixos-anywhere" };
    const shown = await runCcc(w.h, ["pool"], { env: noKey });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("Pool wanted: cx23@fsn1=2");
    const filled = await runCcc(w.h, ["pool", "fill"], { env: noKey });
    expect(filled.code).toBe(2);
    expect(filled.stderr).toContain("CCC_OPERATOR_SSH_KEY is not set");
    expect(filled.stderr).toContain("CCC_NIXOS_ANYWHERE: /nonexistent/nixos-anywhere is not an executable");
    expect(w.deps.store.pool.list()).toEqual([]);
    expect(w.h.installer.calls()).toEqual([]);
  });

  it("takes the action from the command line", () => {
    const config = parseConfig({});
    expect(poolCommand.doors.cli?.input({ args: { action: "fill" }, options: {}, config })).toEqual({
      action: "fill",
    });
    expect(poolCommand.audience).toBe("admin");
  });
});
