// Issue 22: the dashboard's task list (yours; an admin's: everyone's) and one task's live transcript, in a
// real Chromium against the real bot: events recorded while the page is open appear on it, and the end
// shows itself; someone else's task is not found.
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, ALICE, BOB, type BotHarness } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { chromiumPath, launchBrowser } from "./browser.ts";
import { baseOf, signInLink, WEB_ENV, WebClient } from "./web-world.ts";

const chromium = chromiumPath();
let browser: Browser;
beforeAll(async () => {
  if (chromium) browser = await launchBrowser(chromium);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

function storedTask(b: BotHarness, id: string, owner: string, repo: string): void {
  const deps = b.running.bot.deps;
  deps.store.tasks.insertUnder(
    {
      id,
      owner,
      actor: owner,
      repo,
      repoUrl: `https://github.com/${repo}.git`,
      repoName: repo.split("/")[1] ?? "app",
      repoPath: repo,
      forge: "github",
      prompt: `fix it <b>now</b> & "quote"`,
      branch: `ccc/${id}`,
      maxTurns: 50,
      maxMinutes: 60,
      slack: null,
      parentId: null,
      createdAt: deps.clock.now(),
    },
    5,
  );
  deps.store.tasks.update(id, { status: "running", startedAt: deps.clock.now() }, deps.clock.now());
}

const toolLine = (n: number, name: string, input: Record<string, string>) =>
  JSON.stringify({
    type: "assistant",
    message: { content: [{ type: "tool_use", id: `tu-${n}`, name, input }] },
  });

describe.skipIf(!chromium)(`tasks on the dashboard${chromium ? "" : " (skipped: no chromium)"}`, () => {
  const b = useBotHarness(() => ({ env: WEB_ENV }));

  async function signedInPage(user: string): Promise<{ page: Page; problems: string[] }> {
    const page = await (await browser.createBrowserContext()).newPage();
    const problems: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    page.on("pageerror", (e) => void problems.push(String(e)));
    await page.goto(await signInLink(b, user));
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    return { page, problems };
  }

  it("lists the person's tasks and follows one's transcript live to its end", async () => {
    const deps = b.running.bot.deps;
    storedTask(b, "tsk-alice234", ALICE, "acme/api");
    storedTask(b, "tsk-bobby234", BOB, "acme/web");
    deps.store.tasks.appendEvents(
      "tsk-alice234",
      [
        {
          line: 0,
          kind: "claude",
          body: toolLine(0, "Read", { file_path: "/home/claude/work/api/README.md" }),
        },
      ],
      deps.clock.now(),
    );
    const { page, problems } = await signedInPage(ALICE);
    await Promise.all([page.waitForNavigation(), page.click("a[href='/web/tasks']")]);
    expect(await page.$eval("h1", (el) => el.textContent)).toBe("Your tasks");
    const rows = await page.$$eval("tr[data-task]", (els) => els.map((e) => e.getAttribute("data-task")));
    expect(rows).toEqual(["tsk-alice234"]);

    await Promise.all([page.waitForNavigation(), page.click("a[href='/web/tasks/tsk-alice234']")]);
    expect(await page.$eval(".prompt", (el) => el.textContent)).toBe(`fix it <b>now</b> & "quote"`);
    expect(await page.$eval("#transcript", (el) => el.textContent)).toContain("tool: Read");

    // Recorded while the page is open: it appears without a reload.
    deps.store.tasks.appendEvents(
      "tsk-alice234",
      [
        {
          line: 1,
          kind: "claude",
          body: toolLine(1, "Edit", { file_path: "/home/claude/work/api/src/login.ts" }),
        },
      ],
      deps.clock.now(),
    );
    await page.waitForFunction(
      () => document.querySelector("#transcript")?.textContent?.includes("tool: Edit"),
      { timeout: 30_000 },
    );
    expect(await page.$$eval("#transcript li", (els) => els.map((e) => e.getAttribute("data-seq")))).toEqual([
      "1",
      "2",
    ]);

    // The end: the page shows it, from the server.
    deps.store.tasks.finish(
      "tsk-alice234",
      { status: "succeeded", summary: "Fixed the login test.", prUrl: "https://github.com/acme/api/pull/7" },
      deps.clock.now(),
    );
    await page.waitForFunction(() => document.querySelector("#task-status")?.textContent === "done", {
      timeout: 30_000,
    });
    await page.waitForSelector("a[href='https://github.com/acme/api/pull/7']", { timeout: 30_000 });
    expect(problems).toEqual([]);
  }, 120_000);

  it("shows an admin everyone's tasks, and nobody else's task to anyone else", async () => {
    storedTask(b, "tsk-alice234", ALICE, "acme/api");
    storedTask(b, "tsk-bobby234", BOB, "acme/web");
    const { page } = await signedInPage(ADMIN);
    await page.goto(`${baseOf(b)}/web/tasks`);
    expect(await page.$eval("h1", (el) => el.textContent)).toBe("Everyone's tasks");
    const rows = await page.$$eval("tr[data-task]", (els) =>
      els.map((e) => e.getAttribute("data-task")).sort(),
    );
    expect(rows).toEqual(["tsk-alice234", "tsk-bobby234"]);

    const bob = new WebClient(baseOf(b));
    await bob.signIn(await signInLink(b, BOB));
    expect((await bob.get("/web/tasks/tsk-alice234")).status).toBe(404);
    expect((await bob.get("/web/tasks/tsk-alice234/events?after=0")).status).toBe(404);
    const own = await bob.get("/web/tasks/tsk-bobby234/events?after=0");
    expect(own.status).toBe(200);
    expect(JSON.parse(own.text)).toMatchObject({ status: "running", active: true, lines: [] });
    const anonymous = new WebClient(baseOf(b));
    expect((await anonymous.get("/web/tasks/tsk-bobby234/events")).status).toBe(401);
  }, 120_000);
});
