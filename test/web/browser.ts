// A real Chromium for the dashboard tests, driven by puppeteer-core: Debian's `chromium` (or
// CHROME_PATH), never a downloaded browser. Null when there is none, and the tests say so.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

export function chromiumPath(): string | null {
  const given = process.env.CHROME_PATH;
  if (given) return existsSync(given) ? given : null;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      const found = execFileSync("which", [name], { encoding: "utf8" }).trim();
      if (found) return found;
    } catch {
      // not on PATH: try the next name
    }
  }
  return null;
}

export async function launchBrowser(path: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: path,
    headless: true,
    // A loaded machine (the whole suite at once) can take a while to start a browser.
    timeout: 60_000,
    // CI containers run as root, where Chromium's sandbox cannot start; the pages are our own.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"],
  });
}

/** Where screenshots go for a person to look at: outside the repository, never committed. */
export function screenshotDir(): string {
  const dir = process.env.CCC_SCREENSHOT_DIR ?? join(tmpdir(), "ccc-web-screenshots");
  mkdirSync(dir, { recursive: true });
  return dir;
}
