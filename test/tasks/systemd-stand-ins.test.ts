// The systemd stand-ins the task tests run on (no systemd as PID 1 here): strict about their arguments,
// and the unit really runs detached, as the given user, stops at RuntimeMaxSec and on `systemctl stop`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { waitFor } from "./task-world.ts";

const BIN = resolve(import.meta.dirname, "../../stand-ins/bin");
const root = process.getuid?.() === 0;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function world(extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ccc-systemd-"));
  dirs.push(dir);
  const log = join(dir, "tools.jsonl");
  writeFileSync(log, "");
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    FAKE_TOOLS_LOG: log,
    FAKE_SYSTEMD_DIR: dir,
    ...extra,
  };
  const tool = (name: string, args: string[]) => {
    const out = spawnSync(process.execPath, [join(BIN, name), ...args], { env, encoding: "utf8" });
    return { code: out.status, stdout: out.stdout, stderr: out.stderr };
  };
  const active = (unit: string) => tool("systemctl", ["is-active", unit]).stdout.trim();
  return { log, tool, active };
}

describe.skipIf(!root)("systemd stand-ins", () => {
  test("refuse what ccc never asks for, and record every call", () => {
    const w = world();
    expect(w.tool("systemd-run", ["--scope", "--", "/bin/true"]).code).toBe(98);
    expect(w.tool("systemd-run", ["--unit=x.service", "--uid=root", "--", "true"]).code).toBe(98);
    expect(w.tool("systemctl", ["restart", "x.service"]).code).toBe(98);
    expect(w.tool("systemctl", ["is-active", "ccc-task-tsk-none5555.service"])).toMatchObject({
      code: 3,
      stdout: "inactive\n",
    });
    const calls = readFileSync(w.log, "utf8").trim().split("\n");
    expect(calls).toHaveLength(4);
  });

  test("a unit runs detached until RuntimeMaxSec, or until stopped", async () => {
    const w = world();
    const start = (unit: string, seconds: number) =>
      w.tool("systemd-run", [
        `--unit=${unit}`,
        "--uid=root",
        "--collect",
        "--quiet",
        `--property=RuntimeMaxSec=${seconds}`,
        "--property=TimeoutStopSec=2",
        "--",
        "/bin/sleep",
        "60",
      ]);
    expect(start("capped.service", 4).code).toBe(0);
    expect(start("stopped.service", 600).code).toBe(0);
    expect([w.active("capped.service"), w.active("stopped.service")]).toEqual(["active", "active"]);
    expect(start("stopped.service", 600).code).toBe(1);

    await waitFor("the time cap", () => w.active("capped.service") === "inactive", 20_000);
    expect(w.active("stopped.service")).toBe("active");
    expect(w.tool("systemctl", ["stop", "stopped.service"]).code).toBe(0);
    expect(w.active("stopped.service")).toBe("inactive");
  }, 30_000);

  test("FAKE_SYSTEMD_TIME_SCALE shortens the unit's clock: a one-minute cap ends it in about a second", async () => {
    const w = world({ FAKE_SYSTEMD_TIME_SCALE: "0.02" });
    const args = (unit: string) => [
      `--unit=${unit}`,
      "--uid=root",
      "--collect",
      "--quiet",
      "--property=RuntimeMaxSec=60",
      "--property=TimeoutStopSec=10",
      "--",
      "/bin/sleep",
      "60",
    ];
    const started = Date.now();
    expect(w.tool("systemd-run", args("minute.service")).code).toBe(0);
    expect(w.active("minute.service")).toBe("active");
    // Unscaled it would run a minute; scaled, 1.2 s. The bound leaves room for a loaded machine.
    await waitFor("the scaled time cap", () => w.active("minute.service") === "inactive", 40_000);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(45_000);
    // A scale that is no number is refused, never taken as "no cap".
    const bad = world({ FAKE_SYSTEMD_TIME_SCALE: "fast" });
    expect(bad.tool("systemd-run", args("bad.service"))).toMatchObject({ code: 98 });
  }, 60_000);
});
