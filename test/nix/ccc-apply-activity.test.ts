// ccc-apply --activity: the idle check's read-only query. It reports what runs under the root (planted
// /proc entries, load, terminal access times, the keep-awake file) and writes nothing, input or not.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { machineActivitySchema } from "../../src/core/machine/activity-answer.ts";

const CCC_APPLY = join(import.meta.dirname, "../../nix/packages/ccc-apply/ccc-apply.mjs");
let root = "";
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((p) => `${p}:${statSync(join(dir, p)).mtimeMs}`)
    .sort();
}

describe("ccc-apply --activity", () => {
  it("reports sessions, clients, claude, load, input and keep-awake, and changes nothing", () => {
    root = mkdtempSync(join(tmpdir(), "ccc-activity-"));
    const proc = (pid: number, cmdline: string) => {
      mkdirSync(join(root, "proc", String(pid)), { recursive: true });
      writeFileSync(join(root, "proc", String(pid), "cmdline"), cmdline);
    };
    proc(10, "sshd: claude@pts/0");
    proc(11, "sshd: root@notty");
    proc(12, "tmux: client (/tmp/tmux-1000/default)");
    proc(13, "/usr/bin/node\0/nix/store/abc/bin/claude\0--resume\0");
    proc(14, "tmux: server (/tmp/tmux-1000/default)");
    writeFileSync(join(root, "proc/loadavg"), "0.10 1.25 0.50 2/120 777\n");
    writeFileSync(join(root, "proc/cpuinfo"), "processor\t: 0\nprocessor\t: 1\n");
    mkdirSync(join(root, "dev/pts"), { recursive: true });
    writeFileSync(join(root, "dev/pts/3"), "");
    const typed = new Date("2026-12-07T08:00:00Z");
    utimesSync(join(root, "dev/pts/3"), typed, typed);
    mkdirSync(join(root, "home/claude"), { recursive: true });
    writeFileSync(join(root, "home/claude/.ccc-keep-awake-until"), "2026-12-07T12:00:00Z\n");
    const before = tree(root);
    const out = execFileSync(process.execPath, [CCC_APPLY, "--root", root, "--activity"], {
      input: "not a document",
      env: { PATH: "/nonexistent" },
      encoding: "utf8",
    });
    const answer = JSON.parse(out);
    expect(answer.ok).toBe(true);
    expect(machineActivitySchema.parse(answer.activity)).toEqual({
      sshSessions: 1,
      terminalClients: 1,
      claudeProcesses: 1,
      tasks: [],
      load: [0.1, 1.25, 0.5],
      cpus: 2,
      lastInputAt: typed.toISOString(),
      keepAwakeUntil: "2026-12-07T12:00:00.000Z",
    });
    expect(tree(root)).toEqual(before);
  });

  it("answers an empty report for a bare root", () => {
    root = mkdtempSync(join(tmpdir(), "ccc-activity-"));
    const out = execFileSync(process.execPath, [CCC_APPLY, "--root", root, "--activity"], {
      env: { PATH: "/nonexistent" },
      encoding: "utf8",
    });
    expect(JSON.parse(out).activity).toMatchObject({
      sshSessions: 0,
      load: null,
      lastInputAt: null,
      tasks: [],
    });
    expect(readdirSync(root)).toEqual([]);
  });
});
