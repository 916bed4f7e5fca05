// The dashboard's doors pass the same identity check as Slack's (issue 20, findings 1, 2, 6 and 7):
// sign-in by link and with Slack, sessions checked again on use, one admin rule for view and actions,
// and cookies that do not parse. Real HTTP against the real bot; Slack's answers from the fake Slack.
import { describe, expect, it } from "vitest";
import { createSignInLink } from "../../src/core/identity/sign-in.ts";
import { addFakeOidc } from "../../stand-ins/fake-slack-oidc.ts";
import { ADMIN, ALICE, BOB, type BotHarness } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { slashCommand } from "../helpers/slack-payloads.ts";
import { baseOf, local, PUBLIC_URL, WEB_ENV, WebClient } from "./web-world.ts";

const CAROL = "U0CAROL";
const TEN_MINUTES = 10 * 60_000;
const GUEST = "Guests of this Slack workspace cannot use ccc; ask an admin if you need a machine.";
const DEACTIVATED = "Your Slack account is deactivated.";

/** A link as `ccc web --user <user>` makes it on the operator's terminal: no Slack request involved. */
function operatorLink(b: BotHarness, user: string): string {
  return local(b, createSignInLink(b.running.bot.deps, user, PUBLIC_URL).url);
}

async function signedInByLink(b: BotHarness, user: string): Promise<WebClient> {
  const client = new WebClient(baseOf(b));
  expect((await client.signIn(operatorLink(b, user))).status).toBe(303);
  return client;
}

/** A ready machine of `client`'s person, made through the dashboard's form. */
async function machineOf(b: BotHarness, client: WebClient, user: string): Promise<string> {
  const answer = await client.post("/web/provision", {
    csrf: await client.csrf(),
    sshKey: makeKeyPair().publicKey,
    location: "fsn1",
    serverType: "cx23",
    hours: "2",
  });
  expect(answer.status).toBe(303);
  const [instance] = b.h.deps.store.list({ owner: user });
  const id = instance?.id ?? "";
  await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "ready", 15_000, `${id} ready`);
  return id;
}

/** Sign-ins on the audit trail, oldest first: who, what, how. */
function signInTrail(b: BotHarness): [string, string, string | null][] {
  return b.h.deps.store
    .events()
    .filter((e) => e.kind === "signed_in" || e.kind === "sign_in_refused")
    .map((e) => [e.actor, e.kind, e.detail]);
}

describe("signing in to the dashboard", () => {
  const b = useBotHarness(() => ({ env: WEB_ENV }));

  it("with Slack refuses a guest and a deactivated account, as Slack's own door does, and starts no session", async () => {
    const oidc = addFakeOidc(b.slack);
    b.slack.setUser(BOB, { restricted: true });
    b.slack.setUser(CAROL, { deleted: true });
    const viaSlack = async (client: WebClient, user: string) => {
      oidc.signInAs(user);
      const start = await client.get("/web/oidc/start");
      const slackAnswer = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
      return client.get(local(b, slackAnswer.headers.get("location") ?? ""));
    };
    for (const [user, message] of [
      [BOB, GUEST],
      [CAROL, DEACTIVATED],
    ]) {
      const client = new WebClient(baseOf(b));
      const answer = await viaSlack(client, user ?? "");
      expect(answer.status, user).toBe(403);
      expect(answer.text).toContain(message);
      expect(client.cookies.has("ccc_session")).toBe(false);
      expect((await client.get("/")).text).toContain("Sign in to ccc");
      // Nothing to act with: the provision form refuses without a session.
      const post = await client.post("/web/provision", { csrf: "x", sshKey: makeKeyPair().publicKey });
      expect(post.status).toBe(403);
    }
    const alice = new WebClient(baseOf(b));
    expect((await viaSlack(alice, ALICE)).status).toBe(303);
    expect((await alice.get("/")).text).toContain("Your machines");
    expect(b.h.deps.store.list({ includeEnded: true })).toEqual([]);
    expect(oidc.problems).toEqual([]);
    // The audit trail has each sign-in and each refusal, by name: no cookie, no secret.
    expect(signInTrail(b)).toEqual([
      [BOB, "sign_in_refused", "dashboard (oidc): guest"],
      [CAROL, "sign_in_refused", "dashboard (oidc): deactivated"],
      [ALICE, "signed_in", "dashboard, with Sign in with Slack"],
    ]);
    expect(JSON.stringify(b.h.deps.store.events())).not.toContain(alice.cookies.get("ccc_session") ?? "-");
  });

  it("with a link refuses a person Slack does not let in, and an operator's name, whoever made the link", async () => {
    b.slack.setUser(BOB, { restricted: true });
    b.slack.setUser(CAROL, { deleted: true });
    for (const [user, message] of [
      [BOB, GUEST],
      [CAROL, DEACTIVATED],
      ["opal", "ccc serves only members of its Slack workspace."],
    ]) {
      const client = new WebClient(baseOf(b));
      const answer = await client.signIn(operatorLink(b, user ?? ""));
      expect(answer.status, user).toBe(403);
      expect(answer.text).toContain(message);
      expect(client.cookies.has("ccc_session")).toBe(false);
    }
    expect((await signedInByLink(b, ALICE)).cookies.has("ccc_session")).toBe(true);
    expect(signInTrail(b).at(-1)).toEqual([ALICE, "signed_in", "dashboard, by a sign-in link"]);
    expect(signInTrail(b).filter(([, kind]) => kind === "sign_in_refused")).toHaveLength(3);
  });
});

describe("a dashboard session, checked again on use", () => {
  let clock = new FakeClock();
  const b = useBotHarness(() => {
    clock = new FakeClock();
    return { env: WEB_ENV, clock };
  });

  it("ends within 10 minutes of its person's deactivation, in every browser, and stays ended", async () => {
    const [laptop, phone] = [await signedInByLink(b, ALICE), await signedInByLink(b, ALICE)];
    const csrf = await phone.csrf();
    b.slack.setUser(ALICE, { deleted: true });
    clock.advance(TEN_MINUTES - 1);
    expect((await laptop.get("/")).text).toContain("Your machines");
    clock.advance(1);
    const refused = await laptop.get("/");
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("Sign in to ccc");
    expect(refused.text).toContain(DEACTIVATED);
    expect(laptop.cookies.has("ccc_session")).toBe(false);
    // The other browser's session ended with it: its form is refused, and nothing is made.
    const post = await phone.post("/web/provision", {
      csrf,
      sshKey: makeKeyPair().publicKey,
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    expect(post.status).toBe(403);
    expect(b.h.deps.store.list({ includeEnded: true })).toEqual([]);
    // Reactivated later, the old cookie still signs nobody in: a new sign-in is needed.
    b.slack.setUser(ALICE, {});
    clock.advance(TEN_MINUTES);
    const after = await phone.get("/");
    expect(after.status).toBe(200);
    expect(after.text).toContain("Sign in to ccc");
    expect(b.logs.some((l) => l.message === "web sessions ended" && l.fields?.user === ALICE)).toBe(true);
  });

  it("ends when its person is refused at Slack's door, made a guest there", async () => {
    const browser = await signedInByLink(b, ALICE);
    b.slack.setUser(ALICE, { restricted: true });
    clock.advance(TEN_MINUTES);
    // Slack signs with its own time; the bot's clock is the fake one.
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    const url = b.slack.responseUrl();
    const form = new URLSearchParams(slashCommand(ALICE, "list", url)).toString();
    const slack = await b.send.post(form, { timestamp });
    expect(slack.json).toMatchObject({ text: GUEST });
    // Made a member again at once: the session is gone all the same.
    b.slack.setUser(ALICE, {});
    clock.advance(TEN_MINUTES);
    expect((await browser.get("/")).text).toContain("Sign in to ccc");
  });

  it("answers 503 while Slack cannot say, keeping the session for when it can", async () => {
    const browser = await signedInByLink(b, BOB);
    clock.advance(TEN_MINUTES);
    b.slack.fail("users.info", { error: "internal_error", times: 5 });
    const down = await browser.get("/");
    expect(down.status).toBe(503);
    expect(down.text).toContain("ccc could not check your Slack account just now; try again in a moment.");
    expect(browser.cookies.has("ccc_session")).toBe(true);
    b.slack.reset();
    expect((await browser.get("/")).text).toContain("Your machines");
    // Signing out needs no answer from Slack.
    clock.advance(TEN_MINUTES);
    const csrf = /name="csrf" value="([^"]+)"/.exec((await browser.get("/")).text)?.[1] ?? "";
    clock.advance(TEN_MINUTES);
    b.slack.fail("users.info", { error: "internal_error", times: 5 });
    expect((await browser.post("/web/sign-out", { csrf })).status).toBe(303);
    expect(browser.cookies.has("ccc_session")).toBe(false);
  });
});

describe("admins on the dashboard", () => {
  const b = useBotHarness(() => ({ env: WEB_ENV }));

  it("act on what they are shown, though they never used Slack since ccc started", async () => {
    const alice = await signedInByLink(b, ALICE);
    const id = await machineOf(b, alice, ALICE);
    const before = b.h.deps.store.require(id).expiresAt.getTime();
    const admin = await signedInByLink(b, ADMIN);
    expect((await admin.get("/")).text).toContain("All live machines (1)");
    const extended = await admin.post("/web/extend", { id, hours: "1", csrf: await admin.csrf() });
    expect(extended.status).toBe(303);
    expect(b.h.deps.store.require(id).expiresAt.getTime()).toBe(before + 3_600_000);
    expect((await admin.post("/web/delete", { id, csrf: await admin.csrf() })).status).toBe(303);
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "deleted", 10_000);
  });
});

describe("admins on the dashboard under CCC_ALLOW_GUESTS=true", () => {
  const b = useBotHarness(() => ({ env: { ...WEB_ENV, CCC_ALLOW_GUESTS: "true" } }));

  it("are not a guest named in CCC_ADMINS: neither the admin view nor admin actions", async () => {
    const alice = await signedInByLink(b, ALICE);
    const id = await machineOf(b, alice, ALICE);
    b.slack.setUser(ADMIN, { restricted: true });
    const guest = await signedInByLink(b, ADMIN);
    const page = (await guest.get("/")).text;
    expect(page).toContain("Your machines");
    expect(page).not.toContain("All live machines");
    expect(page).not.toContain("(admin)");
    const refused = await guest.post("/web/delete", { id, csrf: await guest.csrf() });
    expect(refused.status).toBe(403);
    expect(b.h.deps.store.require(id).status).toBe("ready");
    await alice.post("/web/delete", { id, csrf: await alice.csrf() });
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "deleted", 10_000);
  });
});

describe("cookies that do not parse", () => {
  const b = useBotHarness(() => ({ env: WEB_ENV }));

  it("are ignored on every page, sign-in included, as if they were not there", async () => {
    const bad = ["ccc_session=%", "ccc_session=%E0%A4%A", "ccc_oidc=%; ccc_session=%zz"];
    for (const cookie of bad) {
      const send = (method: string, path: string, body?: string) =>
        fetch(`${baseOf(b)}${path}`, {
          method,
          redirect: "manual",
          headers: { cookie, ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
          ...(body ? { body } : {}),
        });
      const home = await send("GET", "/");
      expect(home.status, cookie).toBe(200);
      expect(await home.text()).toContain("Sign in to ccc");
      expect((await send("GET", "/web/sign-in?token=abc")).status).toBe(200);
      expect((await send("GET", "/web/oidc/start")).status).toBe(303);
      expect((await send("GET", "/web/oidc/callback?state=x&code=y")).status).toBe(403);
      expect((await send("POST", "/web/extend", "id=ccc-abcdef&hours=1&csrf=x")).status).toBe(403);
      expect((await send("POST", "/web/sign-out", "csrf=x")).status).toBe(403);
      expect((await send("GET", "/web/static/app.css")).status).toBe(200);
      // A real link signs in despite the junk beside it.
      const link = new URL(operatorLink(b, ALICE));
      const signIn = await send("POST", "/web/sign-in", `token=${link.searchParams.get("token")}`);
      expect(signIn.status).toBe(303);
    }
    // A good session cookie after a bad one of the same name still counts.
    const alice = await signedInByLink(b, ALICE);
    const good = alice.cookies.get("ccc_session") ?? "";
    const page = await fetch(`${baseOf(b)}/`, { headers: { cookie: `ccc_session=%; ccc_session=${good}` } });
    expect(await page.text()).toContain("Your machines");
  });
});

describe("people on the dashboard", () => {
  const b = useBotHarness(() => ({ env: WEB_ENV }));

  it("are shown by their Slack display name, not their U… id; an id Slack has no name for stays as it is", async () => {
    b.slack.setUser(ALICE, { displayName: "alice.w" });
    const alice = await signedInByLink(b, ALICE);
    const id = await machineOf(b, alice, ALICE);
    expect((await alice.get("/")).text).toContain('<span class="who">alice.w</span>');
    expect((await alice.get("/web/secrets")).text).toContain('<span class="who">alice.w</span>');
    const admin = await signedInByLink(b, ADMIN);
    const page = (await admin.get("/")).text;
    // The owner column names alice (the id stays as the cell's title); the admin's own header too.
    expect(page).toContain(`<td>${id}</td><td title="${ALICE}">alice.w</td>`);
    expect(page).toContain(`<span class="who">User ${ADMIN} (admin)</span>`);
    expect((await admin.post("/web/delete", { id, csrf: await admin.csrf() })).status).toBe(303);
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "deleted", 10_000);
  });
});
