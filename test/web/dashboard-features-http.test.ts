// The dashboard's newer parts over plain HTTP against the real bot: the spend chart from the ledger,
// extra software and "Keep my work" in the form (through the provision verb's rules), the form
// starting from the person's prefs, and Save & delete.
import { describe, expect, it } from "vitest";
import { ADMIN, ALICE, BOB } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { ran } from "../usage/billed.ts";
import { baseOf, signInLink, WEB_ENV, WebClient } from "./web-world.ts";

describe("the spend chart", () => {
  let clock = new FakeClock();
  const b = useBotHarness(() => {
    clock = new FakeClock();
    return { env: WEB_ENV, clock };
  });

  async function signedIn(user: string): Promise<WebClient> {
    const client = new WebClient(baseOf(b));
    expect((await client.signIn(await signInLink(b, user))).status).toBe(303);
    return client;
  }

  it("draws the person's spend per day this month with the total in words; admins also see the team's", async () => {
    // Signed in first: Slack's signed requests carry real time, which the month below is not.
    const [aliceClient, adminClient] = [await signedIn(ALICE), await signedIn(ADMIN)];
    const w = { deps: b.running.bot.deps, clock };
    // At €0.10 an hour: two hours on the 3rd; over midnight, one hour on the 10th and one on the 11th.
    ran(w, "2026-11-03T10:00:00Z", 90, { owner: ALICE });
    ran(w, "2026-11-10T23:30:00Z", 120, { owner: ALICE });
    ran(w, "2026-11-05T08:00:00Z", 60, { owner: BOB });
    // Last month's spend is not this month's.
    ran(w, "2026-10-30T08:00:00Z", 60, { owner: ALICE });
    clock.set(new Date("2026-11-20T12:00:00Z"));

    const alice = (await aliceClient.get("/")).text;
    const section = /<section[^>]*data-hook="spend-chart"[\s\S]*?<\/section>/.exec(alice)?.[0] ?? "";
    expect(section).toContain('<strong data-total-cents="40">€0.40</strong> so far in November');
    expect(section).toContain("for 4 h on 2 machines (incl. VAT). The most in a day: €0.20 on 3 November.");
    expect(section).toMatch(/<svg class="spend-chart"[^>]*role="img" aria-labelledby="spend-title"/);
    expect(section).toContain(
      '<title id="spend-title">Your spend per day in November: €0.40 in total over 3 days, at most €0.20 a day.</title>',
    );
    // One bar per day of November, each with its amount.
    expect(section.match(/<g class="bar[^"]*" data-day=/g)).toHaveLength(30);
    const cents = (day: number) => new RegExp(`data-day="${day}" data-cents="(\\d+)"`).exec(section)?.[1];
    expect([cents(3), cents(10), cents(11), cents(5), cents(20)]).toEqual(["20", "10", "10", "0", "0"]);
    expect(section).toContain('<g class="bar today" data-day="20"');
    expect(section).toContain('<g class="bar future" data-day="21"');
    expect(section).not.toContain("data-team-cents");
    expect(section).not.toMatch(/style=|<script/);

    const admin = (await adminClient.get("/")).text;
    expect(admin).toContain('The whole team: <strong data-team-cents="50">€0.50</strong> in November.');
    expect(admin).toContain('<strong data-total-cents="0">€0.00</strong> so far in November');
  });
});

describe("the provision form's extras and Save & delete", () => {
  const b = useBotHarness(() => ({ env: WEB_ENV }));

  async function signedIn(user: string): Promise<WebClient> {
    const client = new WebClient(baseOf(b));
    expect((await client.signIn(await signInLink(b, user))).status).toBe(303);
    return client;
  }

  const form = (csrf: string, extra: [string, string][]) =>
    new URLSearchParams([
      ["csrf", csrf],
      ["sshKey", makeKeyPair().publicKey],
      ["location", "fsn1"],
      ["serverType", "cx23"],
      ["hours", "2"],
      ...extra,
    ]).toString();

  it("starts from the person's prefs: their packages ticked or typed, Keep my work ticked, priced", async () => {
    b.h.deps.store.prefs.update(ALICE, { packages: ["go", "ripgrep"], keepWork: true }, new Date());
    const page = (await (await signedIn(ALICE)).get("/")).text;
    expect(page).toContain('<input type="checkbox" name="packages" value="go" checked> Go</label>');
    expect(page).toContain('<input type="checkbox" name="packages" value="python3" > Python 3</label>');
    expect(page).toMatch(/id="packagesOther" name="packagesOther" type="text" value="ripgrep"/);
    expect(page).toMatch(/id="keepWork" name="keepWork" value="true" checked/);
    expect(page).toMatch(
      /<span class="keep-line" data-location="fsn1" >a new 10 GB volume: €\d+\.\d\d\/month in fsn1 is made/,
    );
    // Someone without prefs gets nothing ticked.
    const bob = (await (await signedIn(BOB)).get("/")).text;
    expect(bob).not.toMatch(/name="packages" value="[^"]+" checked/);
    expect(bob).toMatch(/id="keepWork" name="keepWork" value="true"\s+aria-describedby/);
  });

  it("provisions with extra software and Keep my work through the verb, and they reach the store", async () => {
    const client = await signedIn(ALICE);
    const body = form(await client.csrf(), [
      ["packages", "python3"],
      ["packages", "go"],
      ["packagesOther", "ripgrep, jq"],
      ["keepWork", "true"],
    ]);
    const answer = await client.send("POST", "/web/provision", body, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(answer.status).toBe(303);
    const [instance] = b.h.deps.store.list({ owner: ALICE });
    const id = instance?.id ?? "";
    expect(instance?.packages).toEqual(["python3", "go", "ripgrep", "jq"]);
    expect(b.h.deps.store.workVolumes.forInstance(id)).toMatchObject({ owner: ALICE, sizeGb: 10 });
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "ready", 15_000, `${id} ready`);
    await client.post("/web/delete", { id, csrf: await client.csrf() });
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "deleted", 10_000);
  });

  it("refuses a bad package name with the reason, keeps the choices, and creates nothing", async () => {
    const client = await signedIn(ALICE);
    const body = form(await client.csrf(), [
      ["packages", "go"],
      ["packagesOther", 'ripgrep "><b>x</b>'],
      ["keepWork", "true"],
    ]);
    const answer = await client.send("POST", "/web/provision", body, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("is not a nixpkgs package name");
    expect(answer.text).not.toContain("<b>x</b>");
    expect(answer.text).toContain('value="go" checked>');
    expect(answer.text).toMatch(/id="keepWork" name="keepWork" value="true" checked/);
    expect(b.h.deps.store.list({ owner: ALICE })).toEqual([]);
    expect(b.h.deps.store.workVolumes.open(ALICE, "fsn1")).toBeNull();
    expect(b.h.cloud.servers()).toEqual([]);
    expect(b.h.cloud.volumes()).toEqual([]);
  });

  it("saves and deletes a ready machine in the background; nobody else may, and a post without CSRF is refused", async () => {
    const alice = await signedIn(ALICE);
    const csrf = await alice.csrf();
    expect(
      (await alice.post("/web/provision", Object.fromEntries(new URLSearchParams(form(csrf, []))))).status,
    ).toBe(303);
    const [instance] = b.h.deps.store.list({ owner: ALICE });
    const id = instance?.id ?? "";
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "ready", 15_000, `${id} ready`);
    expect((await alice.get("/")).text).toContain(`data-confirm="Save ${id} as a snapshot, then delete it?`);

    const bob = await signedIn(BOB);
    const refused = await bob.post("/web/save", { id, csrf: await bob.csrf() });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("is not yours");
    expect((await alice.post("/web/save", { id })).status).toBe(403);
    expect(b.h.deps.store.snapshots.get(id)).toBeNull();

    const saved = await alice.post("/web/save", { id, csrf });
    expect(saved.status).toBe(303);
    await b.slack.waitFor(() => b.h.deps.store.get(id)?.status === "deleted", 20_000, `${id} saved`);
    expect(b.h.deps.store.snapshots.get(id)?.status).toBe("available");
    expect(b.h.cloud.servers()).toEqual([]);
    // One DM: the save's own notice (the dashboard follows it without a DM of its own).
    await b.slack.waitFor(() =>
      b.slack.messages().some((m) => m.text.includes(`${id} was saved and deleted`)),
    );
    expect(b.slack.messages().filter((m) => m.text.includes("saved and deleted"))).toHaveLength(1);
    expect((await alice.get("/")).text).toContain(
      `${id} saved and deleted. Restore it with: ccc restore ${id}`,
    );
  });
});
