// `npm run demo` as a newcomer tries it: start it, open the printed link in Chromium, create a machine
// with the form, watch it become ready, log in with the printed key and a real ssh client, press a button
// in the demo's Slack, delete the machine, stop the demo with Ctrl-C. The stand-ins run 20× as fast.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { chromiumPath, launchBrowser } from "../web/browser.ts";
import { type DemoProcess, printed, runDemo } from "./demo-process.ts";

const run = promisify(execFile);
const chromium = chromiumPath();
const why = !chromium ? "no chromium on PATH and no CHROME_PATH" : sshdMissingReason;

let browser: Browser;
beforeAll(async () => {
  if (!why && chromium) browser = await launchBrowser(chromium);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

let demo: DemoProcess | null = null;
afterEach(async () => {
  if (demo && demo.child.exitCode === null) {
    demo.child.kill("SIGTERM");
    await demo.exited;
  }
  demo = null;
});

const text = (page: Page, selector: string) => page.$eval(selector, (el) => el.textContent ?? "");

async function ssh(key: string, port: number, ip: string, command: string) {
  return run(
    "ssh",
    [
      ...["-i", key, "-p", String(port), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"],
      ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"],
      ...["-o", "ConnectTimeout=5", `claude@${ip}`, command],
    ],
    { timeout: 15_000 },
  );
}

describe.skipIf(why)(`npm run demo in Chromium${why ? ` (skipped: ${why})` : ""}`, () => {
  it("starts, signs in by the link, creates a machine, logs in over SSH, clicks a Slack button, shares, saves and restores it, deletes it, stops", async () => {
    const started = Date.now();
    demo = runDemo(["--pool", "1"], { CCC_DEMO_SPEED: "20" });
    const p = await printed(demo, 30_000);
    const startMs = Date.now() - started;
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(p.personLink.startsWith(`${p.url}/web/sign-in?token=`)).toBe(true);
    expect(p.adminLink.startsWith(`${p.url}/web/sign-in?token=`)).toBe(true);
    expect(p.exports.HCLOUD_TOKEN).toBe("ccc-demo-hetzner-token");
    expect(p.exports.CCC_DB_PATH?.startsWith(p.dataDir)).toBe(true);
    expect(demo.stdout()).toContain("Ctrl-C");
    expect(existsSync(p.key)).toBe(true);
    // Bound to 127.0.0.1 only: another loopback address (as any other interface) finds nothing there.
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
    await expect(fetch(`${p.url.replace("127.0.0.1", "127.0.0.3")}/healthz`)).rejects.toThrow();

    const page = await (await browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1280, height: 800 });
    const problems: string[] = [];
    page.on("pageerror", (e) => void problems.push(String(e)));
    await page.goto(p.personLink);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(await text(page, "h1")).toBe("Your machines");
    // The demo person's key is on record: the form is filled in with it.
    expect(await page.$eval("#sshKey", (el) => (el as HTMLTextAreaElement).value)).toMatch(/^ssh-ed25519 /);
    await page.select("#location", "fsn1");
    await page.select("#serverType", "cx23");
    await Promise.all([page.waitForNavigation(), page.click("form.provision button[type=submit]")]);
    await page.waitForSelector(`[data-status="ready"]`, { timeout: 30_000 });
    const login = await text(page, ".machine code.copy");
    let ip = /^ssh (?:-p \d+ )?claude@(\d+\.\d+\.\d+\.\d+)$/.exec(login)?.[1] ?? "";
    let id = (await page.$eval(".machine h2", (el) => el.id)).replace(/^m-/, "");
    expect(id).toMatch(/^ccc-[a-z2-9]{6}$/);

    // The printed key and port log in to a shell on that machine, as claude, with its expiry in place.
    const { stdout } = await ssh(p.key, p.sshPort, ip, "whoami; hostname; cat /dev/null; echo $HOME");
    const [who, host, home] = stdout.trim().split("\n");
    expect(who).toBe("claude");
    expect(host).toBe(id);
    expect(home).toMatch(/home\/claude$/);

    // The ready DM is in the demo's Slack, and its Extend button goes through the bot's signed receiver.
    const slack = await (await browser.createBrowserContext()).newPage();
    slack.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    slack.on("pageerror", (e) => void problems.push(String(e)));
    await slack.goto(p.slackUrl);
    await slack.waitForFunction(
      (machine) => document.body.textContent?.includes(`${machine} is ready`),
      {},
      id,
    );
    const before = await page.$eval(".machine time", (el) => el.getAttribute("datetime"));
    const extend = await slack.$$eval("form.demo-button button", (buttons) =>
      buttons.findIndex((b) => b.textContent?.includes("+1h")),
    );
    expect(extend).toBeGreaterThanOrEqual(0);
    await Promise.all([
      slack.waitForNavigation(),
      slack.$$eval("form.demo-button button", (b, i) => (b[i] as HTMLButtonElement).click(), extend),
    ]);
    await page.reload();
    await page.waitForFunction(
      (old) => document.querySelector(".machine time")?.getAttribute("datetime") !== old,
      { timeout: 10_000 },
      before,
    );

    // Typed in the panel as Slack would send it: shared with the demo admin, whose key gets in at once
    // (the real ccc-apply rewrote the machine's keys), and the month's spend.
    const command = async (who: string, line: string) => {
      await slack.select("select[name=user]", who);
      await slack.$eval("input[name=text]", (el) => {
        (el as HTMLInputElement).value = "";
      });
      await slack.type("input[name=text]", line);
      await Promise.all([slack.waitForNavigation(), slack.click("form.demo-command button")]);
      return text(slack, ".demo-answers article");
    };
    expect(await command("U0DEMO1", `/ccc share ${id} @U0DEMOADMIN`)).toContain(`${id} is shared`);
    expect((await ssh(p.adminKey, p.sshPort, ip, "whoami")).stdout.trim()).toBe("claude");
    expect(await command("U0DEMOADMIN", "/ccc usage all")).toMatch(/€\d+\.\d\d/);
    expect(await command("U0DEMO1", "/ccc budget")).toContain("€25.00");

    // Saved (a snapshot, then deleted) and restored: the file left on it is back.
    await ssh(p.key, p.sshPort, ip, "echo kept > notes.txt");
    await command("U0DEMO1", `/ccc save ${id}`);
    // The panel refreshes itself: the DM that comes after the save shows without a reload.
    await slack.waitForFunction(
      (machine) =>
        document.querySelector("#messages")?.textContent?.includes(`${machine} was saved and deleted`),
      { timeout: 15_000 },
      id,
    );
    await expect.poll(() => page.reload().then(() => page.$(".machine")), { timeout: 15_000 }).toBeNull();
    await command("U0DEMO1", `/ccc restore ${id}`);
    await page.reload();
    await page.waitForSelector(`[data-status="ready"]`, { timeout: 30_000 });
    const restored = (await page.$eval(".machine h2", (el) => el.id)).replace(/^m-/, "");
    expect(restored).not.toBe(id);
    [id, ip] = [restored, /(\d+\.\d+\.\d+\.\d+)$/.exec(await text(page, ".machine code.copy"))?.[1] ?? ""];
    expect((await ssh(p.key, p.sshPort, ip, "cat notes.txt")).stdout.trim()).toBe("kept");

    page.once("dialog", (dialog) => void dialog.accept());
    await Promise.all([page.waitForNavigation(), page.click(".machine button.danger")]);
    expect(await text(page, ".notice.ok")).toContain(`${id} deleted`);
    // The machine is gone: its SSH no longer answers.
    await expect
      .poll(
        async () =>
          ssh(p.key, p.sshPort, ip, "true").then(
            () => "answers",
            () => "gone",
          ),
        { timeout: 10_000 },
      )
      .toBe("gone");
    expect(problems).toEqual([]);

    demo.child.kill("SIGINT");
    expect(await demo.exited).toBe(0);
    expect(demo.stdout()).toContain("ccc demo stopped.");
    expect(existsSync(p.dataDir)).toBe(false);
    console.log(`demo banner after ${startMs} ms (under vitest's load)`);
  }, 120_000);
});
