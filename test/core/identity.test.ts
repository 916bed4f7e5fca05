import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/config.ts";
import { Identity, type SlackUserInfo } from "../../src/core/identity/identity.ts";
import { requesterOf } from "../../src/slack/identity/identity-guard.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { provisionSubmission, slashCommand } from "../helpers/slack-payloads.ts";

const MEMBER: SlackUserInfo = { teamId: "T0FAKE", guest: false, deleted: false };

function identity(people: Record<string, SlackUserInfo>, clock: FakeClock) {
  const asked: string[] = [];
  const refused: string[] = [];
  const id = new Identity({
    teamId: "T0FAKE",
    allowGuests: false,
    admins: new Set(["U0ADMIN"]),
    clock,
    lookup: async (user: string) => {
      asked.push(user);
      if (user === "U0DOWN") throw new Error("internal_error");
      return people[user] ?? null;
    },
    onRefused: (user, reason) => void refused.push(`${user} ${reason}`),
  });
  return { id, asked, refused };
}

const from = (userId: string) => ({ userId, door: "slack" as const, teamId: "T0FAKE", enterpriseId: null });
const byToken = (userId: string) => ({ userId, door: "token" as const, teamId: null, enterpriseId: null });

describe("Identity", () => {
  it("asks Slack again once the answer is ten minutes old, so a member made guest loses access", async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 25, 12));
    const people: Record<string, SlackUserInfo> = { U0BOB: MEMBER };
    const { id, asked } = identity(people, clock);
    await Promise.all([id.check(from("U0BOB")), id.check(from("U0BOB"))]);
    expect(asked).toEqual(["U0BOB"]);
    people.U0BOB = { ...MEMBER, guest: true };
    clock.advance(9 * 60_000);
    expect(await id.check(from("U0BOB"))).toEqual({ ok: true, isAdmin: false });
    clock.advance(60_000);
    expect(await id.check(from("U0BOB"))).toMatchObject({ ok: false, reason: "guest" });
    expect(asked).toEqual(["U0BOB", "U0BOB"]);
  });

  it("makes admins only of listed members it has checked", async () => {
    const clock = new FakeClock();
    const { id } = identity({ U0ADMIN: MEMBER, U0ALICE: MEMBER }, clock);
    expect(id.isAdmin("U0ADMIN")).toBe(false);
    await id.check(from("U0ADMIN"));
    await id.check(from("U0ALICE"));
    expect(id.isAdmin("U0ADMIN")).toBe(true);
    expect(id.isAdmin("U0ALICE")).toBe(false);
    expect(await id.check({ ...from("U0ADMIN"), teamId: "T0OTHER" })).toMatchObject({
      reason: "other_workspace",
    });
    expect(await id.check(from("U0NOBODY"))).toMatchObject({ reason: "not_member" });
    expect(await id.check(from("U0DOWN"))).toMatchObject({ reason: "lookup_failed" });
  });

  it("checks a door without a workspace of its own (a session, a token) by Slack's record alone", async () => {
    const clock = new FakeClock();
    const people: Record<string, SlackUserInfo> = {
      U0ADMIN: MEMBER,
      U0ALICE: MEMBER,
      U0GUEST: { ...MEMBER, guest: true },
      U0GONE: { ...MEMBER, deleted: true },
      U0AWAY: { ...MEMBER, teamId: "T0OTHER" },
      U0ORG: { ...MEMBER, teamId: "T0OTHER", enterpriseId: "T0FAKE" },
    };
    const { id, asked, refused } = identity(people, clock);
    expect(await id.check(byToken("U0ADMIN"))).toEqual({ ok: true, isAdmin: true });
    expect(await id.check(byToken("U0ALICE"))).toEqual({ ok: true, isAdmin: false });
    expect(await id.check(byToken("U0ORG"))).toEqual({ ok: true, isAdmin: false });
    expect(await id.check(byToken("U0GUEST"))).toMatchObject({ ok: false, reason: "guest" });
    expect(await id.check(byToken("U0GONE"))).toMatchObject({ ok: false, reason: "deactivated" });
    expect(await id.check(byToken("U0AWAY"))).toMatchObject({ ok: false, reason: "other_workspace" });
    // An operator's name is no Slack account: refused without asking Slack.
    expect(await id.check(byToken("opal"))).toMatchObject({ ok: false, reason: "not_member" });
    expect(asked).not.toContain("opal");
    // A Slack request must name the workspace itself; a session or token names none.
    expect(await id.check({ ...from("U0ALICE"), teamId: null })).toMatchObject({ reason: "other_workspace" });
    expect(await id.check(byToken("U0DOWN"))).toMatchObject({ reason: "lookup_failed" });
    // Told of every refusal Slack's record gave, not of a request's own claim or of Slack being down.
    expect(refused).toEqual([
      "U0GUEST guest",
      "U0GONE deactivated",
      "U0AWAY other_workspace",
      "opal not_member",
    ]);
  });

  it("reads who sent each kind of payload", () => {
    expect(requesterOf(slashCommand("U0ALICE", "list", "http://x/"))).toEqual(from("U0ALICE"));
    expect(requesterOf(provisionSubmission("U0ALICE", { sshKey: "k" }))).toEqual(from("U0ALICE"));
    expect(
      requesterOf({
        type: "event_callback",
        team_id: "T0FAKE",
        event: { type: "app_home_opened", user: "U0ALICE" },
      }),
    ).toEqual(from("U0ALICE"));
    expect(
      requesterOf({ type: "event_callback", team_id: "T0FAKE", event: { type: "tokens_revoked" } }),
    ).toBe(null);
  });
});

describe("one identity check for every door", () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );
  const texts = new Map(
    sources(join(PROJECT_ROOT, "src")).map((f) => [relative(PROJECT_ROOT, f), readFileSync(f, "utf8")]),
  );

  it("is asked by Slack's guard, the dashboard's sign-in and sessions, and the API, and decides admins alone", () => {
    const asking = [...texts].filter(([, t]) => /identity\.check\(/.test(t)).map(([f]) => f);
    expect(asking.sort()).toEqual([
      "src/api/api-routes.ts",
      "src/slack/identity/identity-guard.ts",
      "src/web/session.ts",
    ]);
    expect(texts.get("src/web/sign-in-routes.ts")).toContain("identityVerdict(ctx, requester)");
    // CCC_ADMINS makes admins in one place only.
    const deciding = [...texts].filter(([, t]) => /admins\.has\(/.test(t)).map(([f]) => f);
    expect(deciding).toEqual(["src/core/identity/identity.ts"]);
  });
});
