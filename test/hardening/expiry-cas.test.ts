// The store's compare-and-set on the deadline, on a real SQLite file opened twice (two processes' view).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/ports/clock.ts";
import { Store } from "../../src/core/store/store.ts";

const HOUR = 3_600_000;
const now = new Date("2026-11-25T10:00:00Z");
const clock: Clock = { now: () => new Date(now), sleep: async () => {} };
let dir: string;
let a: Store;
let b: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccc-cas-"));
  a = Store.open(join(dir, "ccc.db"), clock);
  b = Store.open(join(dir, "ccc.db"), clock);
  a.add(
    {
      id: "ccc-abc234",
      owner: "U0ALICE",
      ownerEmail: null,
      sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDcQm6D3aP0VYlQ2dL2YxP8S2h3wxCK4oXgx7bX1y8hn a@b"],
      sshKeyFingerprint: "SHA256:abc",
      serverType: "cx23",
      location: "fsn1",
      createdAt: now,
      expiresAt: new Date(now.getTime() + HOUR),
    },
    { actor: "test", kind: "requested" },
  );
});
afterEach(() => {
  a.close();
  b.close();
  rmSync(dir, { recursive: true, force: true });
});

const note = (actor: string) => ({ actor, kind: "extended" });
const start = () => new Date(now.getTime() + HOUR);

describe("Store.extendExpiry", () => {
  it("moves the deadline and records it when the store still says what the caller read", () => {
    const moved = a.extendExpiry("ccc-abc234", start(), new Date(now.getTime() + 5 * HOUR), note("x"));
    expect(moved?.expiresAt).toEqual(new Date(now.getTime() + 5 * HOUR));
    expect(b.events("ccc-abc234").map((e) => [e.actor, e.kind])).toEqual([
      ["test", "requested"],
      ["x", "extended"],
    ]);
  });

  it("refuses, changing nothing, when another connection moved it first", () => {
    expect(
      b.extendExpiry("ccc-abc234", start(), new Date(now.getTime() + 2 * HOUR), note("b")),
    ).not.toBeNull();
    // Read the old deadline before b moved it: building on it would lose b's extend.
    expect(a.extendExpiry("ccc-abc234", start(), new Date(now.getTime() + 5 * HOUR), note("a"))).toBeNull();
    expect(a.require("ccc-abc234").expiresAt).toEqual(new Date(now.getTime() + 2 * HOUR));
    expect(
      a
        .events("ccc-abc234")
        .filter((e) => e.kind === "extended")
        .map((e) => e.actor),
    ).toEqual(["b"]);
  });

  it("does not extend a machine that is being deleted", () => {
    b.update("ccc-abc234", { status: "deleting" }, { actor: "test", kind: "deleting" });
    expect(a.extendExpiry("ccc-abc234", start(), new Date(now.getTime() + 5 * HOUR), note("a"))).toBeNull();
    expect(a.require("ccc-abc234").expiresAt).toEqual(start());
  });
});
