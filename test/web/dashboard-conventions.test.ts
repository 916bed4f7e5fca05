// Issue 20, the dashboard's conventions: the admin table's scroll region is reachable by keyboard and named;
// a refusal's banner shows code as code (no literal backticks) and describes the field it is about; pages and
// assets come brotli- or gzip-compressed to browsers that take it.
import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, ALICE } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { chromiumPath, launchBrowser } from "./browser.ts";
import { baseOf, signInLink, WEB_ENV, WebClient } from "./web-world.ts";

const chromium = chromiumPath();
let browser: Browser | undefined;
beforeAll(async () => {
  if (chromium) browser = await launchBrowser(chromium);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** A GET with exactly these headers, the body as it came over the wire (fetch would decode it). */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    })
      .on("error", reject)
      .end();
  });
}

describe("the dashboard's conventions", () => {
  const b = useBotHarness(() => ({ env: WEB_ENV }));

  async function signedIn(user: string): Promise<WebClient> {
    const client = new WebClient(baseOf(b));
    expect((await client.signIn(await signInLink(b, user))).status).toBe(303);
    return client;
  }

  it("gives the admin table's scroll region a tab stop and a name", async () => {
    const admin = await signedIn(ADMIN);
    const page = (await admin.get("/")).text;
    expect(page).toContain('<h2 id="all-h">');
    expect(page).toMatch(
      /<div class="table-wrap" tabindex="0" role="region" aria-labelledby="all-h"><table>/,
    );
  });

  it.skipIf(!chromium)("lets a keyboard reach and scroll the admin table on a phone (Chromium)", async () => {
    const context = await (browser as Browser).createBrowserContext();
    try {
      const page = await context.newPage();
      await page.setViewport({ width: 320, height: 700, isMobile: true, hasTouch: true });
      await page.goto(await signInLink(b, ADMIN));
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      await page.waitForSelector(".table-wrap");
      const overflows = await page.$eval(".table-wrap", (el) => el.scrollWidth > el.clientWidth);
      expect(overflows).toBe(true);
      let reached = false;
      for (let i = 0; i < 60 && !reached; i++) {
        await page.keyboard.press("Tab");
        reached = await page.evaluate(
          () => document.activeElement?.classList.contains("table-wrap") ?? false,
        );
      }
      expect(reached).toBe(true);
      const name = await page.evaluate(() => {
        const region = document.activeElement as HTMLElement;
        return document.getElementById(region.getAttribute("aria-labelledby") ?? "")?.textContent ?? "";
      });
      expect(name).toMatch(/^All live machines/);
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      await page.waitForFunction(() => (document.querySelector(".table-wrap")?.scrollLeft ?? 0) > 0);
    } finally {
      await context.close();
    }
  });

  it("shows a refusal's code as code, and ties the banner to the field it is about", async () => {
    const client = await signedIn(ALICE);
    const pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----";
    const answer = await client.post("/web/provision", {
      csrf: await client.csrf(),
      sshKey: pem,
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    expect(answer.status).toBe(422);
    const banner =
      /<p class="notice error" role="alert" id="notice">(.*?)<\/p>/s.exec(answer.text)?.[1] ?? "";
    expect(banner).toContain("<code>ssh-keygen -i -m PKCS8 -f key.pem</code>");
    expect(banner).not.toContain("`");
    expect(answer.text).toMatch(
      /<textarea id="sshKey" name="sshKey" aria-invalid="true" aria-describedby="notice"/,
    );
    expect(answer.text).not.toMatch(/<select id="location"[^>]*aria-invalid/);

    const hours = await client.post("/web/provision", {
      csrf: await client.csrf(),
      sshKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN9cgIB+x0q2SzzG/SuHrCSCexaOA/i21U2XVgp6Tio9",
      location: "fsn1",
      serverType: "cx23",
      hours: "9999",
    });
    expect(hours.status).toBe(422);
    expect(hours.text).toMatch(
      /<input id="hours" name="hours" aria-invalid="true" aria-describedby="notice"/,
    );
    expect(hours.text).not.toMatch(/<textarea[^>]*aria-invalid/);
    expect(b.h.deps.store.list({ owner: ALICE })).toEqual([]);
  });

  it("compresses pages and assets with brotli or gzip as the browser asks, and not otherwise", async () => {
    const client = await signedIn(ALICE);
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const base = baseOf(b);
    for (const path of ["/", "/web/static/app.css", "/web/static/app.js"]) {
      const plain = await rawGet(`${base}${path}`, { cookie });
      expect(plain.status, path).toBe(200);
      expect(plain.headers["content-encoding"], path).toBeUndefined();
      expect(plain.headers.vary).toBe("accept-encoding");

      const br = await rawGet(`${base}${path}`, { cookie, "accept-encoding": "gzip, deflate, br" });
      expect(br.headers["content-encoding"], path).toBe("br");
      expect(Number(br.headers["content-length"])).toBe(br.body.length);
      expect(br.body.length).toBeLessThan(plain.body.length);
      const gz = await rawGet(`${base}${path}`, { cookie, "accept-encoding": "gzip;q=1, br;q=0" });
      expect(gz.headers["content-encoding"], path).toBe("gzip");
      if (path === "/") {
        // The page is made anew for each request: compare what it says, not its bytes.
        expect(brotliDecompressSync(br.body).toString()).toContain("Your machines");
        expect(gunzipSync(gz.body).toString()).toContain("Your machines");
      } else {
        expect(brotliDecompressSync(br.body)).toEqual(plain.body);
        expect(gunzipSync(gz.body)).toEqual(plain.body);
      }
    }
  });
});
