import { describe, expect, it } from "vitest";
import { prefsCommand, prefsWords } from "../../src/commands/prefs.ts";
import { DEFAULT_HIBERNATION } from "../../src/core/hibernate/idle-policy.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";

const h = useHarness();

describe("prefs from the terminal", () => {
  it("shows, sets and switches save-on-expiry, for the operator or a named person", async () => {
    const empty = await runCcc(h, ["prefs", "--user", "bob"]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain("Defaults for bob:");
    expect(empty.stdout).toContain("save on expiry: off");

    const set = await runCcc(h, [
      "prefs",
      "set",
      "--user",
      "bob",
      "--type",
      "cax11",
      "--location",
      "nbg1",
      "--hours",
      "6",
      "--packages",
      "go,jq",
      "--json",
    ]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({
      user: "bob",
      changed: true,
      prefs: { serverType: "cax11", location: "nbg1", hours: 6, packages: ["go", "jq"] },
    });
    expect((await runCcc(h, ["prefs", "save-on-expiry", "on"])).code).toBe(0);
    expect(h.deps.store.prefs.get("opal")).toEqual({ saveOnExpiry: true });
    expect((await runCcc(h, ["prefs", "save-on-expiry", "off"])).code).toBe(0);
    expect(h.deps.store.prefs.get("opal")).toEqual({ saveOnExpiry: false });
  });

  it.each([
    [["--type", "nope"], /Unknown server type "nope"/],
    [["--location", "mars1"], /mars1/],
    [["--hours", "0"], /Hours must be more than 0/],
    [["--hours", "25"], /At most 24 hours at a time/],
    [["--packages", "go,go"], /go is asked for twice/],
    [["--packages", "x y;z"], /"y;z" is not a nixpkgs package name/],
    [[], /Say what to set/],
  ])("refuses set %j and saves nothing", async (flags, message) => {
    const run = await runCcc(h, ["prefs", "set", ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(h.deps.store.prefs.get("opal")).toEqual({});
  });

  it("keeps someone else's defaults to themselves and admins", async () => {
    const error = await prefsCommand
      .execute({ deps: h.deps, actor: { id: "U0ALICE", isAdmin: false } }, { user: "U0BOB" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "forbidden" });
  });
});

describe("prefs set with save-on-expiry (the HTTP API's one PATCH)", () => {
  const alice = { id: "U0ALICE", isAdmin: false };
  const set = (raw: Record<string, unknown>) =>
    prefsCommand.execute({ deps: h.deps, actor: alice }, { action: "set", ...raw });

  it("takes it beside the other defaults, as on/off or true/false, and refuses anything else", async () => {
    await set({ hours: 6, saveOnExpiry: true });
    expect(h.deps.store.prefs.get("U0ALICE")).toEqual({ hours: 6, saveOnExpiry: true });
    await set({ saveOnExpiry: "off" });
    expect(h.deps.store.prefs.get("U0ALICE")).toEqual({ hours: 6, saveOnExpiry: false });
    const error = await set({ hours: 8, saveOnExpiry: "maybe" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: "Say on or off: prefs save-on-expiry on", field: "saveOnExpiry" });
    expect(h.deps.store.prefs.get("U0ALICE")).toEqual({ hours: 6, saveOnExpiry: false });
  });
});

describe("prefs in Slack words", () => {
  it("reads show, set key=value and save-on-expiry", () => {
    expect(prefsWords([])).toEqual({ action: "show" });
    expect(prefsWords(["set", "type=cx33", "Location=hel1", "hours=", "software=python3,go"])).toEqual({
      action: "set",
      serverType: "cx33",
      location: "hel1",
      hours: "",
      packages: "python3,go",
    });
    expect(prefsWords(["save-on-expiry", "ON"])).toEqual({ action: "save-on-expiry", saveOnExpiry: "on" });
    expect(() => prefsWords(["set", "size=big"])).toThrow(/"size=big" is not a setting/);
  });
});

describe("prefs idle (hibernation)", () => {
  it("sets idle=45 and idle=never from the terminal; a bad value is refused and nothing saved", async () => {
    const set = await runCcc(h, ["prefs", "set", "idle=45", "--user", "carol"]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain("idle:           hibernate after 45 idle minutes");
    expect(h.deps.store.prefs.get("carol")).toEqual({ idleMinutes: 45 });
    expect((await runCcc(h, ["prefs", "set", "--idle", "never", "--user", "carol"])).code).toBe(0);
    expect(h.deps.store.prefs.get("carol")).toEqual({ idleMinutes: 0 });
    const bad = await runCcc(h, ["prefs", "set", "idle=5", "--user", "carol"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("idle takes minutes (10 or more)");
    expect(h.deps.store.prefs.get("carol")).toEqual({ idleMinutes: 0 });
  });

  it("refuses never and values above the operator's cap", async () => {
    const actor = { id: "U0CAROL", isAdmin: false };
    const deps = { ...h.deps, hibernation: { ...DEFAULT_HIBERNATION, maxIdleMinutes: 120 } };
    await expect(prefsCommand.execute({ deps, actor }, prefsWords(["set", "idle=never"]))).rejects.toThrow(
      /at most 120 minutes/,
    );
    await expect(prefsCommand.execute({ deps, actor }, prefsWords(["set", "idle=121"]))).rejects.toThrow(
      /at most 120 minutes/,
    );
    await prefsCommand.execute({ deps, actor }, prefsWords(["set", "idle=90"]));
    expect(h.deps.store.prefs.get("U0CAROL")).toEqual({ idleMinutes: 90 });
  });
});
