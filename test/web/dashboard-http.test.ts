// The dashboard over plain HTTP against the real bot: sign-in links, sessions, CSRF, headers,
// ownership, escaping, Sign in with Slack and sign-out.
import { describe, expect, it } from "vitest";
import { addFakeOidc } from "../../stand-ins/fake-slack-oidc.ts";
import { ADMIN, ALICE, BOB } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { baseOf, local, PUBLIC_URL, signInLink, WEB_ENV, WebClient } from "./web-world.ts";

describe("the dashboard over HTTP", () => {
  const b = useBotHarness(() => ({ env: WEB_ENV }));

  async function signedIn(user: string): Promise<WebClient> {
    const client = new WebClient(baseOf(b));
    const answer = await client.signIn(await signInLink(b, user));
    expect(answer.status).toBe(303);
    return client;
  }

  /** A ready machine of `user`'s, provisioned through the dashboard's form. */
  async function machineOf(client: WebClient, user: string): Promise<string> {
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

  it("signs in once with a link (cookie HttpOnly, SameSite=Lax), and refuses the link a second time", async () => {
    const link = await signInLink(b, ALICE);
    const client = new WebClient(baseOf(b));
    // Opening the link signs nobody in: a link preview fetching it cannot use it up.
    const landing = await client.get(link);
    expect(landing.text).toContain("Continue to the dashboard");
    expect(client.cookies.size).toBe(0);
    const token = new URL(link).searchParams.get("token") ?? "";
    const answer = await client.post("/web/sign-in", { token });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe("/");
    const setCookie = answer.headers.getSetCookie().join("\n");
    expect(setCookie).toMatch(/^ccc_session=[\w-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    const page = await client.get("/");
    expect(page.text).toContain("Your machines");
    expect(page.text).toContain(ALICE);
    // The store keeps hashes only: the cookie's secret appears nowhere in it.
    const cookie = client.cookies.get("ccc_session") ?? "";
    expect(b.h.deps.store.web.takeSession(cookie, new Date())).toBeNull();

    const again = await new WebClient(baseOf(b)).post("/web/sign-in", { token });
    expect(again.status).toBe(403);
    expect(again.text).toContain("used already or has expired");
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it("sends the security headers and no-store on every page, signed in or not", async () => {
    const anonymous = await new WebClient(baseOf(b)).get("/");
    const client = await signedIn(ALICE);
    for (const page of [anonymous, await client.get("/")]) {
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
      expect(page.headers.get("referrer-policy")).toBe("same-origin");
      expect(page.text).toContain('<meta name="viewport"');
      expect(page.text).not.toMatch(/<script>|<style|style="|\son[a-z]+="/);
    }
    expect(anonymous.text).toContain("/ccc web");
    const js = await client.get("/web/static/app.js");
    expect(js.headers.get("content-type")).toContain("text/javascript");
    expect(js.text).toContain("data-expires");
  });

  it("refuses a post without the session's CSRF token, and changes nothing", async () => {
    const client = await signedIn(ALICE);
    const id = await machineOf(client, ALICE);
    const before = b.h.deps.store.get(id)?.expiresAt.getTime();
    const csrf = await client.csrf();
    const missing = await client.post("/web/extend", { id, hours: "1" });
    const wrong = await client.post("/web/extend", { id, hours: "1", csrf: `${csrf.slice(0, -1)}x` });
    const noSession = await new WebClient(baseOf(b)).post("/web/delete", { id, csrf });
    for (const refused of [missing, wrong, noSession]) expect(refused.status).toBe(403);
    expect(b.h.deps.store.get(id)?.expiresAt.getTime()).toBe(before);
    expect(b.h.deps.store.get(id)?.status).toBe("ready");
    // A JSON body is not a form: refused before anything is read from it.
    const json = await client.send("POST", "/web/extend", JSON.stringify({ id, hours: 1, csrf }), {
      "content-type": "application/json",
    });
    expect(json.status).toBe(415);

    // A form on another site cannot post here, even with a token it somehow had.
    const crossSite = await client.send(
      "POST",
      "/web/extend",
      new URLSearchParams({ id, hours: "1", csrf }).toString(),
      {
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://evil.example",
      },
    );
    expect(crossSite.status).toBe(403);
    expect(b.h.deps.store.get(id)?.expiresAt.getTime()).toBe(before);

    const extended = await client.post("/web/extend", { id, hours: "1", csrf });
    expect(extended.status).toBe(303);
    expect(b.h.deps.store.get(id)?.expiresAt.getTime()).toBe((before ?? 0) + 3_600_000);
    expect((await client.get("/")).text).toContain(`${id} now expires at`);
    await client.post("/web/delete", { id, csrf });
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "deleted", 10_000);
  });

  it("shares a machine with or without sudo, saying what the guest can do, and unshares it", async () => {
    const client = await signedIn(ALICE);
    const id = await machineOf(client, ALICE);
    const page = await client.get("/");
    // Before the button: what each kind of guest can do.
    expect(page.text).toContain("With sudo: They log in as claude, with sudo: root on the machine.");
    expect(page.text).toContain("Without: They log in as their own account, without sudo:");
    expect(page.text).toContain('name="withSecrets" value="true"');
    const csrf = await client.csrf();
    const shared = await client.post("/web/share", {
      id,
      with: BOB,
      sshKey: makeKeyPair("bob").publicKey,
      noSudo: "true",
      csrf,
    });
    expect(shared.status).toBe(303);
    expect(b.h.deps.store.guests.list(id)).toMatchObject([{ guest: BOB, account: "ccc-guest-1" }]);
    const after = (await client.get("/")).text;
    expect(after).toContain(`${id} is shared with ${BOB}.`);
    expect(after).toContain("They log in as ccc-guest-1, without sudo:");
    const unshared = await client.post("/web/unshare", { id, with: BOB, csrf });
    expect(unshared.status).toBe(303);
    expect((await client.get("/")).text).toContain(`${id} is no longer shared with ${BOB}.`);
    expect(b.h.deps.store.guests.list(id)).toEqual([]);
    // The "With my secrets" box keeps the owner's secrets on the machine for that guest.
    await client.post("/web/share", {
      id,
      with: BOB,
      sshKey: makeKeyPair("bob").publicKey,
      withSecrets: "true",
      csrf,
    });
    expect(b.h.deps.store.guests.list(id)).toMatchObject([{ guest: BOB, account: null, withSecrets: true }]);
    expect((await client.get("/")).text).toContain("With secrets: your secrets stay on the machine");
    await client.post("/web/delete", { id, csrf });
  });

  it("shows nobody else's machines and refuses acting on them", async () => {
    const alice = await signedIn(ALICE);
    const id = await machineOf(alice, ALICE);
    const bob = await signedIn(BOB);
    const page = await bob.get("/");
    expect(page.text).not.toContain(id);
    const before = b.h.deps.store.get(id)?.expiresAt.getTime();
    const refused = await bob.post("/web/extend", { id, hours: "1", csrf: await bob.csrf() });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("is not yours");
    const deleted = await bob.post("/web/delete", { id, csrf: await bob.csrf() });
    expect(deleted.status).toBe(403);
    expect(b.h.deps.store.get(id)).toMatchObject({ status: "ready" });
    expect(b.h.deps.store.get(id)?.expiresAt.getTime()).toBe(before);
    await alice.post("/web/delete", { id, csrf: await alice.csrf() });
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "deleted", 10_000);
  });

  it("shows an admin every live machine and what they cost per hour together", async () => {
    const alice = await signedIn(ALICE);
    const id = await machineOf(alice, ALICE);
    const admin = await signedIn(ADMIN);
    const page = (await admin.get("/")).text;
    expect(page).toContain("All live machines (1)");
    expect(page).toContain(
      `<td>${id}</td><td title="${ALICE}">User ${ALICE}</td><td>ready</td><td>cx23 fsn1</td><td>€0.`,
    );
    expect(page).toMatch(/Together they cost <strong>€0\.\d{4} per hour<\/strong>/);
    expect((await alice.get("/")).text).not.toContain("All live machines");
    await alice.post("/web/delete", { id, csrf: await alice.csrf() });
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "deleted", 10_000);
  });

  it("refuses bad input with the reason, keeps what was typed (escaped), and creates nothing", async () => {
    const client = await signedIn(ALICE);
    const answer = await client.post("/web/provision", {
      csrf: await client.csrf(),
      sshKey: '<script>alert("x")</script>',
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(answer.text).not.toContain("<script>alert");
    expect(b.h.deps.store.list({ owner: ALICE })).toEqual([]);
    expect(b.h.cloud.servers()).toEqual([]);
  });

  it("signs out: the cookie is cleared and the session is gone", async () => {
    const client = await signedIn(ALICE);
    const cookie = client.cookies.get("ccc_session") ?? "";
    const out = await client.post("/web/sign-out", { csrf: await client.csrf() });
    expect(out.status).toBe(303);
    expect(client.cookies.size).toBe(0);
    const stale = new WebClient(baseOf(b));
    stale.cookies.set("ccc_session", cookie);
    expect((await stale.get("/")).text).toContain("Sign in to ccc");
  });

  it("signs in with Slack (OpenID Connect), checking state, the browser and the workspace", async () => {
    const oidc = addFakeOidc(b.slack);
    const client = new WebClient(baseOf(b));
    const viaSlack = async () => {
      const start = await client.get("/web/oidc/start");
      expect(start.status).toBe(303);
      const authorize = new URL(start.headers.get("location") ?? "");
      expect(`${authorize.origin}${authorize.pathname}`).toBe(`${b.slack.url}/openid/connect/authorize`);
      expect(authorize.searchParams.get("redirect_uri")).toBe(`${PUBLIC_URL}/web/oidc/callback`);
      const slackAnswer = await fetch(authorize, { redirect: "manual" });
      return local(b, slackAnswer.headers.get("location") ?? "");
    };
    oidc.signInAs(BOB, "T0OTHER");
    expect((await client.get(await viaSlack())).text).toContain("not in this ccc&#39;s workspace");
    oidc.signInAs(BOB);
    const callback = await viaSlack();
    // Another browser (no state cookie) cannot finish it.
    expect((await new WebClient(baseOf(b)).get(callback)).status).toBe(403);
    const done = await client.get(callback);
    expect(done.status).toBe(303);
    expect((await client.get("/")).text).toContain(BOB);
    // The same answer again (a replay) does not sign in a second time.
    const replay = new WebClient(baseOf(b));
    replay.cookies.set("ccc_oidc", new URL(callback).searchParams.get("state") ?? "");
    expect((await replay.get(callback)).status).toBe(403);
    oidc.cancelNext();
    expect((await client.get(await viaSlack())).text).toContain("Slack did not sign you in");
    expect(oidc.problems).toEqual([]);
  });
});

describe("the dashboard at the machine limit", () => {
  const b = useBotHarness(() => ({ env: { ...WEB_ENV, CCC_MAX_INSTANCES_PER_USER: "1" } }));

  it("shows the limit instead of the form, and the verb still refuses a post that tries anyway", async () => {
    const client = new WebClient(baseOf(b));
    await client.signIn(await signInLink(b, ALICE));
    const csrf = await client.csrf();
    const form = { csrf, sshKey: makeKeyPair().publicKey, location: "fsn1", serverType: "cx23", hours: "1" };
    expect((await client.post("/web/provision", form)).status).toBe(303);
    const [first] = b.h.deps.store.list({ owner: ALICE });
    const page = (await client.get("/")).text;
    expect(page).toContain(`You already have 1 machine running (${first?.id}); the limit is 1.`);
    expect(page).not.toContain('action="/web/provision"');
    const again = await client.post("/web/provision", form);
    expect(again.status).toBe(422);
    expect(b.h.deps.store.list({ owner: ALICE })).toHaveLength(1);
    await b.slack.waitFor(() => b.h.deps.store.get(first?.id ?? "")?.status === "ready", 15_000);
    await client.post("/web/delete", { id: first?.id ?? "", csrf });
    await b.slack.waitFor(() => b.h.deps.store.get(first?.id ?? "")?.status === "deleted", 10_000);
  });
});

describe("sign-in links in time", () => {
  let clock = new FakeClock();
  const b = useBotHarness(() => {
    clock = new FakeClock();
    return { env: WEB_ENV, clock };
  });

  it("refuses a link after 10 minutes, and a session after 12 hours", async () => {
    // Both links are asked for now: Slack's signed requests carry real time, which the clock leaves behind.
    const late = await signInLink(b, ALICE);
    const client = new WebClient(baseOf(b));
    expect((await client.signIn(await signInLink(b, ALICE))).status).toBe(303);
    clock.advance(10 * 60_000 + 1);
    expect((await new WebClient(baseOf(b)).signIn(late)).status).toBe(403);
    clock.advance(12 * 3_600_000 - 10 * 60_000 - 2);
    expect((await client.get("/")).text).toContain("Your machines");
    clock.advance(2);
    expect((await client.get("/")).text).toContain("Sign in to ccc");
  });
});
