import { describe, expect, it } from "vitest";
import { requesterOf } from "../../src/slack/identity/identity-guard.ts";
import { SlackIdentity, type SlackUserInfo } from "../../src/slack/identity/slack-identity.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { provisionSubmission, slashCommand } from "../helpers/slack-payloads.ts";

const MEMBER: SlackUserInfo = { teamId: "T0FAKE", guest: false, deleted: false };

function identity(people: Record<string, SlackUserInfo>, clock: FakeClock) {
  const asked: string[] = [];
  const id = new SlackIdentity({
    teamId: "T0FAKE",
    allowGuests: false,
    admins: new Set(["U0ADMIN"]),
    clock,
    lookup: async (user) => {
      asked.push(user);
      const info = people[user];
      if (!info) throw new Error("user_not_found");
      return info;
    },
  });
  return { id, asked };
}

const from = (userId: string) => ({ userId, teamId: "T0FAKE", enterpriseId: null });

describe("SlackIdentity", () => {
  it("asks Slack again once the answer is ten minutes old, so a member made guest loses access", async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 25, 12));
    const people: Record<string, SlackUserInfo> = { U0BOB: MEMBER };
    const { id, asked } = identity(people, clock);
    await Promise.all([id.check(from("U0BOB")), id.check(from("U0BOB"))]);
    expect(asked).toEqual(["U0BOB"]);
    people.U0BOB = { ...MEMBER, guest: true };
    clock.advance(9 * 60_000);
    expect(await id.check(from("U0BOB"))).toEqual({ ok: true });
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
    expect(await id.check({ userId: "U0ADMIN", teamId: "T0OTHER", enterpriseId: null })).toMatchObject({
      reason: "other_workspace",
    });
    expect(await id.check(from("U0NOBODY"))).toMatchObject({ reason: "lookup_failed" });
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
