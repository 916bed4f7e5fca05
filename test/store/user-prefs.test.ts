import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Store } from "../../src/core/store/store.ts";

let dir: string;
const at = new Date("2026-11-25T10:00:00Z");
const clock = { now: () => new Date(at), sleep: async () => {} };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccc-prefs-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("people's preferences", () => {
  it("are empty for someone who set none, merge field by field, clear with undefined, and survive a reopen", () => {
    const path = join(dir, "ccc.db");
    const store = Store.open(path, clock);
    expect(store.prefs.get("U1")).toEqual({});
    store.prefs.update("U1", { serverType: "cx33", hours: 4 }, at);
    expect(store.prefs.update("U1", { saveOnExpiry: true, hours: undefined }, at)).toEqual({
      serverType: "cx33",
      saveOnExpiry: true,
    });
    expect(store.prefs.get("U2")).toEqual({});
    store.close();
    const reopened = Store.open(path, clock);
    expect(reopened.prefs.get("U1")).toEqual({ serverType: "cx33", saveOnExpiry: true });
    reopened.close();
  });
});
