// The audit trail through the CLI: filtered by person, machine and time, as text, JSON and CSV, paged.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSince } from "../../src/commands/events.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";

interface EventJson {
  id: number;
  at: string;
  actor: string;
  kind: string;
  machine: string | null;
  detail: string | null;
}

const h = useHarness();

async function events(args: string[]): Promise<{ events: EventJson[]; next: number | null }> {
  const run = await runCcc(h, ["events", ...args, "--json"]);
  expect(run).toMatchObject({ code: 0 });
  return JSON.parse(run.stdout);
}

describe("ccc events", () => {
  it("records token create and revoke, a refused admin token and budget changes, by name and never a secret", async () => {
    const made = await runCcc(h, ["token", "create", "--user", "U0ALICE", "--name", "ci", "--json"]);
    const token = JSON.parse(made.stdout) as { id: string; token: string };
    expect((await runCcc(h, ["token", "revoke", token.id])).code).toBe(0);
    expect((await runCcc(h, ["budget", "set", "U0BOB", "25"])).code).toBe(0);
    const trail = await events([]);
    // Newest first.
    expect(trail.events.map((e) => [e.actor, e.kind, e.detail])).toEqual([
      ["opal", "budget_set", "U0BOB: €25.00 a month"],
      ["opal", "token_revoked", `U0ALICE: ${token.id} "ci"`],
      ["opal", "token_created", `U0ALICE: ${token.id} "ci"`],
    ]);
    const text = await runCcc(h, ["events"]);
    expect(text.stdout).toMatch(/^ID +AT +ACTOR +KIND +MACHINE +DETAIL\n/);
    expect(text.stdout).toMatch(/\n\d+ +\d{4}-\d\d-\d\d \d\d:\d\d UTC +opal +token_created +U0ALICE: tok_/);
    for (const out of [text.stdout, JSON.stringify(trail), (await runCcc(h, ["events", "--csv"])).stdout]) {
      expect(out).not.toContain(token.token);
      expect(out).not.toContain(token.token.slice(8));
    }
    // An admin token asked for is refused, and that is on the trail too.
    const { deps } = h;
    const { tokenCommand } = await import("../../src/commands/token.ts");
    await expect(
      tokenCommand.execute(
        { deps, actor: { id: "U0ADMIN", isAdmin: true } },
        { action: "create", user: "U0ADMIN", admin: true },
      ),
    ).rejects.toMatchObject({ code: "no_admin_tokens" });
    expect((await events(["--limit", "1"])).events[0]).toMatchObject({
      actor: "U0ADMIN",
      kind: "token_refused",
      detail: "U0ADMIN: an admin token was asked for and refused",
    });
  });

  it("filters by person, machine and time, and pages with --limit and --before", async () => {
    const key = makeKeyPair().publicKey;
    const made = await runCcc(h, ["provision", "--user", "U0ALICE", "--ssh-key", key, "--json"]);
    const { id } = JSON.parse(made.stdout) as { id: string };
    expect((await runCcc(h, ["deprovision", id])).code).toBe(0);
    await runCcc(h, ["budget", "set", "U0ALICE", "10"]);
    await runCcc(h, ["budget", "set", "U0BOB", "10"]);

    const machine = await events(["--machine", id]);
    expect(machine.events.map((e) => e.kind).at(-1)).toBe("requested");
    expect(machine.events.map((e) => e.kind)).toContain("ready");
    expect(machine.events.map((e) => e.kind)).toContain("deleted");
    expect(machine.events.every((e) => e.machine === id)).toBe(true);

    // Alice's: her machine's events and the budget set for her, not Bob's.
    const alice = await events(["--user", "U0ALICE"]);
    expect(alice.events.some((e) => e.kind === "budget_set" && e.detail?.startsWith("U0ALICE:"))).toBe(true);
    expect(alice.events.some((e) => e.detail?.startsWith("U0BOB"))).toBe(false);
    expect(alice.events.filter((e) => e.machine === id)).toHaveLength(machine.events.length);

    expect((await events(["--since", "1h"])).events.length).toBe((await events([])).events.length);
    expect((await events(["--since", "2999-01-01"])).events).toEqual([]);
    expect((await events(["--since", "2000-01-01T00:00Z"])).events.length).toBeGreaterThan(3);

    // Pages: two at a time, each older than the last, until `next` is null.
    const all = (await events([])).events.map((e) => e.id);
    const seen: number[] = [];
    let before: number | null = null;
    do {
      const page = await events(["--limit", "2", ...(before ? ["--before", String(before)] : [])]);
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.map((e) => e.id));
      before = page.next;
    } while (before !== null);
    expect(seen).toEqual(all);
    expect((await runCcc(h, ["events", "--limit", "1"])).stdout).toMatch(
      /\nOlder events: add --before \d+\n$/,
    );
  });

  it("prints CSV with a header, quoting what needs it", async () => {
    await runCcc(h, ["budget", "set", "U0BOB", "25"]);
    const csv = await runCcc(h, ["events", "--csv"]);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toMatch(
      /^id,at,actor,kind,machine,detail\n\d+,\d{4}-\d\d-\d\dT[\d:.]+Z,opal,budget_set,,U0BOB: €25.00 a month\n$/,
    );
  });

  it("refuses a bad --since, --limit or --user with a clear message", async () => {
    const since = await runCcc(h, ["events", "--since", "yesterday"]);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain("--since takes an ISO date or time");
    expect((await runCcc(h, ["events", "--limit", "0"])).stderr).toContain("limit is at least 1");
    expect((await runCcc(h, ["events", "--limit", "5000"])).stderr).toContain("limit is at most 1000");
    expect((await runCcc(h, ["events", "--user", "no body"])).code).toBe(2);
  });

  it("names the installer's log in a failure's detail, for admins, when the failure itself did not", async () => {
    const key = makeKeyPair().publicKey;
    // An installer that writes its log, then fails in words of its own that do not say where the log is.
    const installer = {
      install: async (request: { logFile: string }) => {
        appendFileSync(request.logFile, "copying the closure\n");
        throw new Error("the closure copy broke off");
      },
    };
    const made = await runCcc(h, ["provision", "--user", "U0ALICE", "--ssh-key", key], {
      compose: { installer },
    });
    expect(made.code).toBe(1);
    const id = /ccc-\w{6}/.exec(made.stderr)?.[0] ?? "";
    const log = join(h.dir, "data", "logs", `${id}.log`);
    const [failed] = (await events(["--machine", id])).events.filter((e) => e.kind === "failed");
    expect(failed?.detail).toMatch(/^the closure copy broke off; .*\. Installer log: /);
    expect(failed?.detail?.endsWith(`Installer log: ${log}`)).toBe(true);
    expect((await runCcc(h, ["status", id])).stdout).toContain(`Installer log: ${log}`);
  });

  it("reads spans and ISO times", () => {
    expect(parseSince("24h")).toEqual({ agoMs: 24 * 3_600_000 });
    expect(parseSince("7d")).toEqual({ agoMs: 7 * 86_400_000 });
    expect(parseSince("90m")).toEqual({ agoMs: 90 * 60_000 });
    expect(parseSince("2026-12-01")).toEqual({ at: new Date("2026-12-01T00:00:00Z") });
    expect(parseSince("2026-12-01T09:30")).toEqual({ at: new Date("2026-12-01T09:30:00Z") });
    expect(parseSince("2026-12-01T09:30+01:00")).toEqual({ at: new Date("2026-12-01T08:30:00Z") });
    expect(() => parseSince("2026-13-45")).toThrow(/--since takes/);
  });
});
