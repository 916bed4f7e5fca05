// Claude Code starts signed in: the real `claude` binary, run as the claude user in the login environment
// (ccc-login.sh sources /run/ccc/secrets.env and writes Claude Code's first-run state), answers from the
// stand-in Messages API with the person's key, and never asks to log in.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "../../stand-ins/fake-anthropic.ts";
import {
  CLAUDE_BIN,
  type ClaudeUser,
  claudeUser,
  claudeUserMissingReason,
  removeClaudeUser,
  USER_TOOLS,
  writeSecrets,
} from "../helpers/claude-user.ts";

const run = promisify(execFile);
const KEY = "sk-ant-api03-CANARY-person-key-0123456789abcdefghij";

let api: FakeAnthropic | undefined;
let user: ClaudeUser | undefined;
afterEach(async () => {
  await api?.close();
  // (An interactive claude stopped by timeout(1) may still be saving its state: it is ended first.)
  if (user) await removeClaudeUser(user);
  api = undefined;
  user = undefined;
});

/** `claude -p hi` as the claude user, after the login hook, with nothing of this process's environment. */
async function claudeAsUser(u: ClaudeUser, baseUrl: string, interactive = false) {
  const env = [
    `HOME=${u.home}`,
    `USER=claude`,
    `PATH=${u.bin}:/usr/bin:/bin`,
    `CCC_SECRETS_FILE=${u.secretsFile}`,
    `ANTHROPIC_BASE_URL=${baseUrl}`,
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
    "DISABLE_TELEMETRY=1",
    "DISABLE_AUTOUPDATER=1",
    "CLAUDE_CODE_MAX_RETRIES=0",
  ];
  const claude = interactive ? CLAUDE_BIN : `${CLAUDE_BIN} -p hi --output-format json`;
  const script = `. ${join(USER_TOOLS, "ccc-login.sh")} && cd "$HOME" && exec ${claude}`;
  const command = ["env", "-i", ...env, "TERM=xterm-256color", "sh", "-c", script];
  // Interactive: in a terminal (script(1) gives it one) for a few seconds, then stopped; its screen is the answer.
  const argv = interactive
    ? ["-u", "claude", "--", "timeout", "8", "script", "-qfec", command.map(quote).join(" "), "/dev/null"]
    : ["-u", "claude", "--", ...command];
  const child = await run("runuser", argv, {
    timeout: 60_000,
    encoding: "utf8",
  }).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
  return { stdout: child.stdout ?? "", stderr: child.stderr ?? "" };
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
const screen = (text: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what this removes.
  text.replace(/\u001b\[[0-9;?<>]*[A-Za-z~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g, " ");

describe.skipIf(claudeUserMissingReason)("Claude Code on the machine, as the claude user", () => {
  test("with the secrets file, the first claude answers from the API with the person's key", async () => {
    api = await startFakeAnthropic({ turns: [{ text: "Hello from the stand-in" }], keys: [KEY] });
    user = claudeUser();
    writeSecrets(user, { ANTHROPIC_API_KEY: KEY, NOTE: "it's quoted" });

    const { stdout, stderr } = await claudeAsUser(user, api.url);

    const answer = JSON.parse(stdout) as { is_error: boolean; result: string };
    expect(answer.is_error, stderr).toBe(false);
    expect(answer.result).toBe("Hello from the stand-in");
    expect(api.problems).toEqual([]);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.path).toBe("/v1/messages?beta=true");
    expect(api.requests[0]?.apiKey).toBe(KEY);
    expect(stdout + stderr).not.toMatch(/log ?in|sign in/i);
    // The first-run state an interactive claude needs: onboarding done, the key's approval, a trusted home.
    const state = JSON.parse(readFileSync(join(user.home, ".claude.json"), "utf8"));
    expect(state.hasCompletedOnboarding).toBe(true);
    expect(state.customApiKeyResponses.approved).toEqual([KEY.slice(-20)]);
    expect(state.projects[user.home].hasTrustDialogAccepted).toBe(true);
    expect(readFileSync(join(user.home, ".claude.json"), "utf8")).not.toContain(KEY.slice(0, 30));
  }, 90_000);

  test("with the secrets file, an interactive claude opens at its prompt, with no wizard", async () => {
    api = await startFakeAnthropic({ keys: [KEY] });
    user = claudeUser();
    writeSecrets(user, { ANTHROPIC_API_KEY: KEY });

    const { stdout } = await claudeAsUser(user, api.url, true);

    const shown = screen(stdout);
    expect(shown).toContain("❯");
    expect(shown).toMatch(/API Usage Billing/);
    // The wizard's first screen, and what it does first (a reachability check of api.anthropic.com).
    expect(shown).not.toMatch(
      /Welcome to Claude Code|Unable to connect|Select login method|trust this folder/i,
    );
    expect(api.problems).toEqual([]);
  }, 90_000);

  test("an OAuth token (claude setup-token) goes as a bearer token", async () => {
    const token = "sk-ant-oat01-CANARY-oauth-token-0123456789";
    api = await startFakeAnthropic({ turns: [{ text: "Signed in by token" }], keys: [token] });
    user = claudeUser();
    writeSecrets(user, { CLAUDE_CODE_OAUTH_TOKEN: token });

    const { stdout, stderr } = await claudeAsUser(user, api.url);

    expect(JSON.parse(stdout).result, stderr).toBe("Signed in by token");
    expect(api.requests[0]?.bearer).toBe(token);
    expect(api.problems).toEqual([]);
  }, 90_000);

  test("without a credential, claude asks to log in and nothing reaches the API", async () => {
    api = await startFakeAnthropic({ turns: [{ text: "never" }] });
    user = claudeUser();

    const { stdout, stderr } = await claudeAsUser(user, api.url);

    expect(stdout + stderr).toMatch(/log ?in|api key/i);
    expect(api.requests).toEqual([]);
  }, 90_000);
});
