import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PROJECT_ROOT } from "../src/config.ts";
import { QuotaError } from "../src/core/errors.ts";
import { INSTANCE_ID_PATTERN, newInstanceId } from "../src/core/instances/instance.ts";
import type { Clock } from "../src/core/ports/clock.ts";
import { MIGRATIONS } from "../src/core/store/migrations.ts";
import { Store as InstanceStore, type NewInstance } from "../src/core/store/store.ts";
import { compileScript } from "./helpers/compile-script.ts";

let dir: string;
let now = new Date("2026-11-25T10:00:00Z");
const clock: Clock = { now: () => new Date(now), sleep: async () => {} };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccc-store-"));
  now = new Date("2026-11-25T10:00:00Z");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
function row(id: string, owner: string, expiresInHours: number): NewInstance {
  return {
    id,
    owner,
    ownerEmail: null,
    sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDcQm6D3aP0VYlQ2dL2YxP8S2h3wxCK4oXgx7bX1y8hn a@b"],
    sshKeyFingerprint: "SHA256:abc",
    serverType: "cx23",
    location: "fsn1",
    createdAt: new Date(now),
    expiresAt: new Date(now.getTime() + expiresInHours * HOUR),
  };
}
const note = { actor: "test", kind: "requested" };

describe("InstanceStore", () => {
  it("migrates a new file to the latest version, in WAL mode, and reopens it", () => {
    const path = join(dir, "ccc.db");
    InstanceStore.open(path, clock).close();
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    db.close();
    const again = InstanceStore.open(path, clock);
    expect(again.ping()).toBe(true);
    again.close();
  });

  it("brings a database of the version before the saved catalog up to date, keeping its rows", () => {
    const path = join(dir, "ccc.db");
    const first = InstanceStore.open(path, clock);
    first.add(row("ccc-aaaaaa", "alice", 1), note);
    first.close();
    // As the ccc before the saved catalog left it: without the tables of that migration and later ones.
    const before = MIGRATIONS.findIndex((sql) => sql.includes("CREATE TABLE catalog"));
    const old = new Database(path);
    // Undone newest first, as a later migration may add a column to a table an earlier one made.
    for (const sql of MIGRATIONS.slice(before).reverse()) {
      for (const [, table, column] of sql.matchAll(/ALTER TABLE (\w+) ADD COLUMN (\w+)/g)) {
        old.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
      }
      for (const [, table] of sql.matchAll(/CREATE TABLE (\w+)/g)) old.exec(`DROP TABLE ${table}`);
    }
    old.pragma(`user_version = ${before}`);
    old.close();

    const store = InstanceStore.open(path, clock);
    const reopened = new Database(path, { readonly: true });
    expect(reopened.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    reopened.close();
    expect(store.list().map((i) => i.id)).toEqual(["ccc-aaaaaa"]);
    const catalog = store.catalogCache;
    expect(catalog.read()).toBeNull();
    catalog.write({ at: 5, types: [], locations: [] });
    catalog.write({ at: 7, types: [], locations: [] });
    expect(catalog.read()).toEqual({ at: 7, types: [], locations: [] });
    store.close();
  });

  it("refuses a database from a newer ccc", () => {
    const path = join(dir, "ccc.db");
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => InstanceStore.open(path, clock)).toThrow(/newer than this ccc/);
  });

  it("keeps deleted instances for history, lists live ones, and finds the expired", () => {
    const store = InstanceStore.open(join(dir, "ccc.db"), clock);
    store.add(row("ccc-aaaaaa", "alice", 1), note);
    store.add(row("ccc-bbbbbb", "alice", 3), note);
    store.add(row("ccc-cccccc", "bob", 2), note);
    store.update(
      "ccc-bbbbbb",
      { status: "ready", ipv4: "192.0.2.1", hetznerServerId: 7 },
      { actor: "t", kind: "ready" },
    );
    now = new Date(now.getTime() + 2 * HOUR);
    expect(store.getExpired(now).map((i) => i.id)).toEqual(["ccc-aaaaaa", "ccc-cccccc"]);
    const removed = store.remove("ccc-aaaaaa", { actor: "t", kind: "deleted", detail: "expired" });
    expect(removed).toMatchObject({ removed: true, instance: { status: "deleted", deletedAt: now } });
    // Once only: a second delete (another click, another process) records nothing.
    const again = store.remove("ccc-aaaaaa", { actor: "t", kind: "deleted", detail: "again" });
    expect(again).toMatchObject({ removed: false, instance: { status: "deleted", deletedAt: now } });
    expect(() => store.remove("ccc-zzzzzz", { actor: "t", kind: "deleted" })).toThrow(
      "No instance ccc-zzzzzz",
    );
    expect(store.get("ccc-aaaaaa")?.status).toBe("deleted");
    expect(store.list({ owner: "alice" }).map((i) => i.id)).toEqual(["ccc-bbbbbb"]);
    expect(store.list({ owner: "alice", includeEnded: true })).toHaveLength(2);
    expect(store.getExpired(now).map((i) => i.id)).toEqual(["ccc-cccccc"]);
    // A failed delete leaves `deleting`, which stays due even before its expiry.
    store.update("ccc-bbbbbb", { status: "deleting" }, { actor: "t", kind: "deleting" });
    expect(store.getExpired(now).map((i) => i.id)).toEqual(["ccc-cccccc", "ccc-bbbbbb"]);
    expect(store.get("ccc-bbbbbb")).toMatchObject({ ipv4: "192.0.2.1", hetznerServerId: 7 });
    expect(store.events("ccc-aaaaaa").map((e) => [e.kind, e.detail])).toEqual([
      ["requested", null],
      ["deleted", "expired"],
    ]);
    expect(store.currentKeyOf("alice")).toMatch(/^ssh-ed25519 /);
    expect(store.currentKeyOf("carol")).toBeNull();
    store.close();
  });

  it("lets several processes open and migrate a new file at the same moment", async () => {
    const script = await compileScript(join(PROJECT_ROOT, "test/fakes/open-store.ts"));
    const processes = [1, 2, 3, 4].map(() => {
      const child = execa(process.execPath, [script], { reject: false });
      let said = "";
      let complained = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        said += chunk.toString();
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        complained += chunk.toString();
      });
      return { child, output: () => [said.split("\n").filter(Boolean), complained] };
    });
    // A process that dies meanwhile fails the test at once, with what everyone said.
    const anyExit = Promise.race(processes.map((p) => p.child.then(() => "exited")));
    const allSaid = async (lines: string[]) => {
      const expected = processes.map(() => [lines, ""]);
      const said = vi.waitFor(() => expect(processes.map((p) => p.output())).toEqual(expected), {
        timeout: 15_000,
        interval: 5,
      });
      if ((await Promise.race([said, anyExit])) === "exited") {
        expect(processes.map((p) => p.output())).toEqual(expected);
      }
    };
    // Every process is loaded before any is given the path, so that their opens collide.
    await allSaid(["ready"]);
    // Each round a new file: the collision comes down to a millisecond, so give it several chances.
    for (let round = 1; round <= 10; round++) {
      const path = join(dir, `race-${round}.db`);
      for (const p of processes) p.child.stdin?.write(`${path}\n`);
      await allSaid(["ready", ...Array(round).fill("opened")]);
    }
    for (const p of processes) p.child.stdin?.end();
    const runs = await Promise.all(processes.map((p) => p.child));
    expect(runs.map((r) => [r.exitCode, r.stderr])).toEqual(Array(4).fill([0, ""]));
  });

  it("lets only one of two processes take the last slot of a quota", () => {
    const path = join(dir, "ccc.db");
    const one = InstanceStore.open(path, clock);
    const two = InstanceStore.open(path, clock);
    one.add(row("ccc-aaaaaa", "alice", 1), note, 2);
    two.add(row("ccc-bbbbbb", "alice", 1), note, 2);
    expect(() => one.add(row("ccc-cccccc", "alice", 1), note, 2)).toThrow(QuotaError);
    expect(() => two.add(row("ccc-dddddd", "alice", 1), note, 2)).toThrow(
      "You already have 2 machines running; the limit is 2. Delete one first.",
    );
    expect(one.list({ includeEnded: true })).toHaveLength(2);
    expect(one.events()).toHaveLength(2);
    one.close();
    two.close();
  });
});

describe("instance ids", () => {
  it("are short, readable and valid Hetzner names", () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newInstanceId()));
    // 32^6 ids: two of 2000 alike happens about once in 500 runs, so allow for it (never more than a few).
    expect(ids.size).toBeGreaterThan(1995);
    for (const id of ids) {
      expect(id).toMatch(INSTANCE_ID_PATTERN);
      expect(id).toMatch(/^[a-z0-9-]{1,63}$/);
    }
    expect(newInstanceId(() => Buffer.from([0, 1, 31, 32, 33, 255]))).toBe("ccc-ab9ab9");
  });
});
