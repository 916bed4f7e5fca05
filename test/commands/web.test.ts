import { describe, expect, it } from "vitest";
import { webCommand } from "../../src/commands/web.ts";
import { ForbiddenError, UserError } from "../../src/core/errors.ts";
import { hashSecret, redeemSignInLink } from "../../src/core/identity/sign-in.ts";
import { ADMIN, ALICE, BOB, caught, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("web", () => {
  it("DMs the asker a one-time link under CCC_PUBLIC_URL that works once, for 10 minutes", async () => {
    w.deps.publicUrl = "https://ccc.example.com/base";
    const shown = await webCommand.execute(w.ctx(ALICE), {});
    const [notice] = w.notes.notices;
    expect(notice).toMatchObject({ kind: "sign_in_link", user: ALICE.id });
    const url = notice?.kind === "sign_in_link" ? new URL(notice.url) : new URL("x:");
    expect(url.origin + url.pathname).toBe("https://ccc.example.com/base/web/sign-in");
    expect(shown.blocks({ now: NOW, actor: ALICE }).text).toContain("in a DM");
    // The Slack answer does not repeat the link when the DM went out.
    expect(JSON.stringify(shown.blocks({ now: NOW, actor: ALICE }))).not.toContain(url.toString());
    const token = url.searchParams.get("token") ?? "";
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(hashSecret(token)).not.toBe(token);
    expect(redeemSignInLink(w.deps, token)).toBe(ALICE.id);
    expect(redeemSignInLink(w.deps, token)).toBeNull();
  });

  it("refuses a link used after 10 minutes", async () => {
    w.deps.publicUrl = "http://localhost:3000";
    await webCommand.execute(w.ctx(ALICE), {});
    const notice = w.notes.notices[0];
    const token =
      notice?.kind === "sign_in_link" ? (new URL(notice.url).searchParams.get("token") ?? "") : "";
    w.clock.advance(10 * 60_000);
    expect(redeemSignInLink(w.deps, token)).toBeNull();
  });

  it("shows the link in the private answer when the DM could not be sent", async () => {
    w.deps.publicUrl = "http://localhost:3000";
    w.notes.failFor = null;
    const failing = { notify: async () => "failed" as const };
    const shown = await webCommand.execute({ deps: { ...w.deps, notifier: failing }, actor: ALICE }, {});
    expect((shown.json() as { url: string }).url).toContain("/web/sign-in?token=");
    expect(shown.blocks({ now: NOW, actor: ALICE }).text).toContain((shown.json() as { url: string }).url);
  });

  it("makes a link for someone else only for an admin, and says when the dashboard is not set up", async () => {
    w.deps.publicUrl = "http://localhost:3000";
    expect(await caught(() => webCommand.execute(w.ctx(BOB), { user: ALICE.id }))).toBeInstanceOf(
      ForbiddenError,
    );
    const shown = await webCommand.execute(w.ctx(ADMIN), { user: ALICE.id });
    expect(shown.text({ now: NOW, actor: ADMIN })).toMatch(
      /^Sign-in link for U0ALICE, valid once until 2026-11-25 12:10 UTC:\nhttp/,
    );
    // An operator's name (what the CLI acts as) is no Slack member: a link for it could never sign in.
    const operator = await caught(() => webCommand.execute(w.ctx({ id: "opal", isAdmin: true }), {}));
    expect(operator).toMatchObject({ field: "user", message: expect.stringContaining("--user U012AB3CD") });
    w.deps.publicUrl = undefined;
    const refused = await caught(() => webCommand.execute(w.ctx(ALICE), {}));
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as Error).message).toContain("CCC_PUBLIC_URL");
  });
});
