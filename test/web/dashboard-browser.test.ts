// The dashboard in a real browser against the real bot and the fakes: sign in with a link, provision
// through the form and watch it become ready, extend, delete, and nobody else's machine in view.
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, ALICE, BOB } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { anInstance } from "../commands/fixtures.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { ran } from "../usage/billed.ts";
import { chromiumPath, launchBrowser, screenshotDir } from "./browser.ts";
import { signInLink, WEB_ENV } from "./web-world.ts";

const chromium = chromiumPath();
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

// One Chromium for the file, not one per group: every test opens its own browser contexts (own cookies
// and storage), so a second Chromium would only add its start.
let browser: Browser;
beforeAll(async () => {
  if (chromium) browser = await launchBrowser(chromium);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!chromium)(
  `the dashboard in Chromium${chromium ? "" : " (skipped: no chromium on PATH and no CHROME_PATH)"}`,
  () => {
    const b = useBotHarness(() => ({ env: WEB_ENV }));

    /** A fresh browser profile (own cookies) signed in as `user` through a one-time link. */
    async function signedInPage(user: string): Promise<Page> {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport(DESKTOP);
      await page.goto(await signInLink(b, user));
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      await page.waitForSelector("h1#mine-h");
      return page;
    }

    const text = (page: Page, selector: string) => page.$eval(selector, (el) => el.textContent ?? "");

    async function submit(page: Page, selector: string): Promise<void> {
      await Promise.all([page.waitForNavigation(), page.click(selector)]);
    }

    it("signs in with a link, provisions through the form, follows it to ready, extends and deletes", async () => {
      const link = await signInLink(b, ALICE);
      const page = await (await browser.createBrowserContext()).newPage();
      await page.setViewport(DESKTOP);
      await page.emulateTimezone("UTC");
      // Anything the page logs as an error (a script or style the CSP blocked, an exception) fails the test.
      const problems: string[] = [];
      page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
      page.on("pageerror", (e) => void problems.push(String(e)));
      await page.goto(link);
      await submit(page, "button[type=submit]");
      expect(await text(page, "h1")).toBe("Your machines");
      expect(await text(page, ".who")).toContain(ALICE);

      // The same link again, from another browser: refused.
      const other = await (await browser.createBrowserContext()).newPage();
      await other.goto(link);
      await submit(other, "button[type=submit]");
      expect(await text(other, "[role=alert]")).toContain("used already or has expired");
      expect(await text(other, "h1")).toBe("Sign in to ccc");

      // The form: the script shows only the location's types and the estimated cost.
      await page.type("#sshKey", makeKeyPair("alice@laptop").publicKey);
      await page.select("#location", "fsn1");
      await page.select("#serverType", "cx23");
      await page.$eval("#hours", (el) => {
        (el as HTMLInputElement).value = "";
      });
      await page.type("#hours", "3");
      const estimate = await text(page, "#estimate");
      expect(estimate).toMatch(/^€\d+\.\d{2}$/);
      // Read from the answer itself: while the machine is being set up the page reloads itself, and
      // the one-off notice is gone after the first reload.
      const [created] = await Promise.all([
        page.waitForNavigation(),
        page.click("form.provision button[type=submit]"),
      ]);
      const createdPage = (await created?.text()) ?? "";
      expect(createdPage).toMatch(/class="notice ok" role="status">ccc-[a-z2-9]{6} is being created/);
      const id = /<h2 id="m-(ccc-[a-z2-9]{6})">/.exec(createdPage)?.[1] ?? "";
      expect(createdPage).toMatch(/data-status="(creating|installing|ready)"/);
      const dir = screenshotDir();
      // For people to look at; a self-reload at that moment may spoil it, which is no test failure.
      await page
        .screenshot({ path: join(dir, "dashboard-creating-desktop.png"), fullPage: true })
        .catch(() => {});

      // The page reloads itself until the machine is ready; the countdown ticks in the script.
      await page.waitForSelector(`[data-status="ready"]`, { timeout: 30_000 });
      expect(await text(page, ".machine code.copy")).toMatch(/^ssh -p \d+ claude@\d+\.\d+\.\d+\.\d+$/);
      expect(await page.$eval(".machine", (el) => el.textContent ?? "")).toContain("SHA256:");
      const countdown = await text(page, ".machine .countdown");
      expect(countdown).toMatch(/^2 h 5\d min \d\d s$/);
      await page.waitForFunction(
        (before) => document.querySelector(".machine .countdown")?.textContent !== before,
        {},
        countdown,
      );

      await page.screenshot({ path: join(dir, "dashboard-desktop.png"), fullPage: true });
      await page.setViewport(PHONE);
      await page.screenshot({ path: join(dir, "dashboard-phone.png"), fullPage: true });
      await other.setViewport(PHONE);
      await other.screenshot({ path: join(dir, "sign-in-phone.png"), fullPage: true });
      await page.setViewport(DESKTOP);

      // Nobody else sees it.
      const bob = await signedInPage(BOB);
      expect(await bob.content()).not.toContain(id);
      expect(await text(bob, ".empty")).toContain("no machines");

      // An admin sees it among every live machine, with the hourly total.
      const admin = await signedInPage(ADMIN);
      expect(await text(admin, "#all-h")).toBe("All live machines (1)");
      expect(await admin.$eval("table", (el) => el.textContent ?? "")).toContain(id);
      await admin.screenshot({ path: join(dir, "admin-desktop.png"), fullPage: true });
      await admin.setViewport(PHONE);
      await admin.screenshot({ path: join(dir, "admin-phone.png"), fullPage: true });

      const before = b.h.deps.store.get(id)?.expiresAt.getTime() ?? 0;
      await submit(page, `.machine button[name=hours][value="1"]`);
      expect(await text(page, ".notice.ok")).toContain(`${id} now expires at`);
      expect(b.h.deps.store.get(id)?.expiresAt.getTime()).toBe(before + 3_600_000);
      // The page shows the expiry in the reader's time zone (UTC here) and keeps UTC in the tooltip.
      const expiry = new Date(before + 3_600_000).toISOString().slice(11, 16);
      expect(await text(page, ".machine time")).toMatch(new RegExp(`:${expiry.slice(3)}\\b.*UTC$`));
      expect(await page.$eval(".machine time", (el) => el.getAttribute("title"))).toContain(`${expiry} UTC`);

      page.once("dialog", (dialog) => void dialog.accept());
      await submit(page, ".machine button.danger");
      expect(await text(page, ".notice.ok")).toContain(`${id} deleted`);
      expect(await page.$(".machine")).toBeNull();
      expect(b.h.deps.store.get(id)?.status).toBe("deleted");
      expect(b.h.cloud.servers()).toEqual([]);
      expect(problems).toEqual([]);
    }, 60_000);

    it("is usable by keyboard: Tab reaches the form and Enter on Sign out signs out", async () => {
      const page = await signedInPage(ALICE);
      const focused: string[] = [];
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press("Tab");
        focused.push(
          await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || ""),
        );
      }
      expect(focused).toContain("Sign out");
      expect(focused).toContain("sshKey");
      // The focus ring is visible (not removed by the stylesheet).
      const outline = await page.evaluate(
        () => getComputedStyle(document.activeElement as Element).outlineStyle,
      );
      expect(outline).not.toBe("none");
      await page.focus("button.link");
      await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
      expect(await text(page, "h1")).toBe("Sign in to ccc");
    });
  },
);

describe.skipIf(!chromium)(
  `the spend chart in Chromium${chromium ? "" : " (skipped: no chromium on PATH and no CHROME_PATH)"}`,
  () => {
    let clock = new FakeClock();
    const b = useBotHarness(() => {
      clock = new FakeClock();
      return { env: WEB_ENV, clock };
    });

    it("draws the month's bars and total with no console or CSP errors, on a desktop and a phone", async () => {
      // The link is asked for first: Slack's signed requests carry real time, which the month below is not.
      const link = await signInLink(b, ADMIN);
      const page = await (await browser.createBrowserContext()).newPage();
      await page.setViewport(DESKTOP);
      const problems: string[] = [];
      page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
      page.on("pageerror", (e) => void problems.push(String(e)));
      await page.goto(link);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);

      const w = { deps: b.running.bot.deps, clock };
      ran(w, "2026-11-03T10:00:00Z", 150, { owner: ADMIN });
      ran(w, "2026-11-12T09:00:00Z", 60, { owner: ADMIN });
      ran(w, "2026-11-18T09:00:00Z", 420, { owner: ADMIN });
      ran(w, "2026-11-06T09:00:00Z", 60, { owner: ALICE });
      clock.set(new Date("2026-11-20T12:00:00Z"));
      b.running.bot.deps.store.prefs.update(
        ADMIN,
        { packages: ["go", "ripgrep"], keepWork: true },
        clock.now(),
      );
      await page.reload();

      const chart = await page.$eval("svg.spend-chart", (svg) => {
        const box = svg.getBoundingClientRect();
        const filled = [...svg.querySelectorAll(".fill")].map((r) => r.getBoundingClientRect().height);
        return {
          width: box.width,
          height: box.height,
          filled,
          title: svg.querySelector("title")?.textContent,
        };
      });
      expect(chart.width).toBeGreaterThan(500);
      expect(chart.height).toBeGreaterThan(100);
      // Three days with spend; the €0.70 day is the tallest, the €0.10 day the shortest.
      expect(chart.filled).toHaveLength(3);
      expect(Math.max(...chart.filled)).toBe(chart.filled[2]);
      expect(Math.min(...chart.filled)).toBe(chart.filled[1]);
      expect(chart.title).toBe(
        "Your spend per day in November: €1.10 in total over 3 days, at most €0.70 a day.",
      );
      expect(await page.$eval(".spend-total strong", (el) => el.textContent)).toBe("€1.10");
      expect(await page.$eval(".spend-team strong", (el) => el.textContent)).toBe("€1.20");
      // The colours come from the stylesheet (no inline style): a filled bar is not black.
      const fill = await page.$eval(".spend-chart .fill", (el) => getComputedStyle(el).fill);
      expect(fill).toBe("rgb(36, 84, 197)");

      // The form starts from the prefs, and the work volume's line follows the location.
      expect(
        await page.$eval('input[name=packages][value="go"]', (el) => (el as HTMLInputElement).checked),
      ).toBe(true);
      expect(await page.$eval("#packagesOther", (el) => (el as HTMLInputElement).value)).toBe("ripgrep");
      expect(await page.$eval("#keepWork", (el) => (el as HTMLInputElement).checked)).toBe(true);
      const shownLine = () =>
        page.$$eval(".keep-line", (all) =>
          all.filter((el) => !(el as HTMLElement).hidden).map((el) => el.textContent),
        );
      expect(await shownLine()).toEqual([expect.stringContaining("in fsn1")]);
      await page.select("#location", "hel1");
      expect(await shownLine()).toEqual([expect.stringContaining("in hel1")]);
      await page.select("#location", "fsn1");

      const dir = screenshotDir();
      await page.screenshot({ path: join(dir, "dashboard-spend-desktop.png"), fullPage: true });
      await page.setViewport(PHONE);
      await page.screenshot({ path: join(dir, "dashboard-spend-phone.png"), fullPage: true });
      expect(problems).toEqual([]);
    }, 60_000);

    it("shows every time in the reader's own time zone, names the zone, and keeps UTC in the tooltip", async () => {
      const text = (page: Page, selector: string) => page.$eval(selector, (el) => el.textContent ?? "");
      const link = await signInLink(b, ALICE);
      const store = b.running.bot.deps.store;
      clock.set(new Date("2026-11-20T12:00:00Z"));
      store.add(
        anInstance({
          id: "ccc-tzzone",
          owner: ALICE,
          createdAt: clock.now(),
          readyAt: clock.now(),
          // 23:30 UTC: the next day in Kolkata, the same day in New York.
          expiresAt: new Date("2026-11-20T23:30:00Z"),
        }),
        { actor: "test", kind: "created" },
      );
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.emulateTimezone("America/New_York");
      await page.goto(link);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      await page.waitForSelector("h1#mine-h");
      const expiry = () => text(page, ".machine time");
      expect(await expiry()).toMatch(/^Fri, Nov 20, 18:30 EST$/);
      expect(await page.$eval(".machine time", (el) => el.getAttribute("title"))).toBe(
        "2026-11-20 23:30 UTC",
      );
      expect(await text(page, "[data-zone-note]")).toBe("Times are in your time zone, America/New_York.");

      await page.emulateTimezone("Asia/Kolkata");
      await page.reload();
      expect(await expiry()).toMatch(/^Sat, Nov 21, 05:00 GMT\+5:30$/);
      // ICU's canonical name for it is still the old one.
      expect(await text(page, "[data-zone-note]")).toMatch(
        /^Times are in your time zone, Asia\/(Kolkata|Calcutta)\.$/,
      );

      // Without the script the page still says what it shows: UTC, named.
      const bare = await (await browser.createBrowserContext()).newPage();
      await bare.setJavaScriptEnabled(false);
      const cookies = await page.cookies();
      await bare.setCookie(...cookies);
      await bare.goto(page.url());
      expect(await text(bare, ".machine time")).toBe("2026-11-20 23:30 UTC");
      expect(await text(bare, "[data-zone-note]")).toBe("Times are in UTC.");
    }, 60_000);
  },
);
