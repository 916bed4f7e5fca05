// A URL setting with credentials in it is refused at start, and the refusal does not repeat them:
// before, fetch refused the URL on the first request and its error (with the URL) reached the logs.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startBot } from "../../src/bot.ts";
import { type CliIo, runCli } from "../../src/cli.ts";
import { ConfigError } from "../../src/config.ts";
import { urlCredentialsProblem } from "../../src/config-url.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";

const PASSWORD = "s3cr3t-pw-9f2c";
const WITH_CREDENTIALS = `https://opsuser:${PASSWORD}@api.example.test/v1`;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe("urlCredentialsProblem", () => {
  it("refuses a user name, a password or both, and answers without them", () => {
    for (const url of [WITH_CREDENTIALS, `https://:${PASSWORD}@host/v1`, "https://opsuser@host/v1"]) {
      const problem = urlCredentialsProblem(url);
      expect(problem).toMatch(/must not contain a user name or password/);
      expect(problem).not.toContain(PASSWORD);
      expect(problem).not.toContain("opsuser");
    }
  });

  it("lets a plain URL through, and leaves a malformed one to the URL check", () => {
    expect(urlCredentialsProblem("https://api.hetzner.cloud/v1")).toBeNull();
    expect(urlCredentialsProblem("http://127.0.0.1:4000/v1")).toBeNull();
    expect(urlCredentialsProblem("not a url")).toBeNull();
  });
});

describe("HCLOUD_ENDPOINT with credentials", () => {
  it("stops the CLI with exit code 2 before any request, naming the setting but not the password", async () => {
    let stderr = "";
    const io: CliIo = {
      env: { ...h.env, HCLOUD_ENDPOINT: WITH_CREDENTIALS, USER: "opal" },
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
      },
      readStdin: () => "",
    };
    expect(await runCli(["types"], io)).toBe(2);
    expect(stderr).toContain("HCLOUD_ENDPOINT: must not contain a user name or password");
    expect(stderr).not.toContain(PASSWORD);
    expect(stderr).not.toContain("opsuser");
    expect(h.cloud.requests).toEqual([]);
  });

  it("stops the bot at start, as does SLACK_API_URL with credentials", async () => {
    const env = {
      ...h.env,
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: "secret",
      PORT: "0",
    };
    const quiet = { info() {}, warn() {}, error() {} };
    for (const bad of [
      { HCLOUD_ENDPOINT: WITH_CREDENTIALS },
      { SLACK_API_URL: `http://bot:${PASSWORD}@127.0.0.1:9/api/` },
    ]) {
      const error = await startBot({ ...env, ...bad }, { log: quiet }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        `${Object.keys(bad)[0]}: must not contain a user name or password (the part before @): ccc sends its token in a header of its own; remove them from the URL`,
      ]);
      expect(String((error as Error).message)).not.toContain(PASSWORD);
    }
    expect(h.cloud.requests).toEqual([]);
  });
});
