// The pieces of "start from a repository" without a machine: reading repository specs, the readability check
// against the GitHub/GitLab stand-in, the dotfiles preference through the real CLI door, and what the ready
// message says (where the repository is, a failing devShell, failing dotfiles, how to sign Claude Code in).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { forgesFrom } from "../../src/adapters/forges.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import { UserError } from "../../src/core/errors.ts";
import { checkRepoReadable } from "../../src/core/workspace/check-repo.ts";
import { withWorkspace } from "../../src/core/workspace/prepare-workspace.ts";
import { parseRepoSpec } from "../../src/core/workspace/repo-spec.ts";
import {
  DEFAULT_WORKSPACE_SETTINGS,
  type WorkspaceSettings,
} from "../../src/core/workspace/workspace-settings.ts";
import { creatingMessage, readyMessage } from "../../src/render/block-kit/instance-blocks.ts";
import { workspaceLines } from "../../src/render/workspace.ts";
import { type FakeGithub, startFakeGithub } from "../../stand-ins/fake-github.ts";
import { anInstance, NOW } from "../commands/fixtures.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";

const h = useHarness();
const GH = DEFAULT_WORKSPACE_SETTINGS;
const TOKEN = "glpat-CANARY0123456789abcdef";

describe("repository specs", () => {
  it("reads owner/name[@branch] as GitHub and URLs of GitHub, GitLab and others", () => {
    expect(parseRepoSpec("octocat/hello-world@main", GH)).toEqual({
      url: "https://github.com/octocat/hello-world.git",
      forge: "github",
      path: "octocat/hello-world",
      name: "hello-world",
      branch: "main",
    });
    expect(parseRepoSpec("https://gitlab.com/group/sub/app.git@feature/x", GH)).toMatchObject({
      url: "https://gitlab.com/group/sub/app.git",
      forge: "gitlab",
      path: "group/sub/app",
      name: "app",
      branch: "feature/x",
    });
    expect(parseRepoSpec("https://git.example.org/team/tool", GH)).toMatchObject({
      forge: null,
      path: null,
      name: "tool",
      branch: null,
    });
    expect(parseRepoSpec("file:///srv/git/app.git", GH)).toMatchObject({ forge: null, name: "app" });
  });

  it.each([
    ["", "owner/name"],
    ["git@github.com:a/b.git", "not an SSH address"],
    [`https://oauth2:${TOKEN}@gitlab.com/a/b.git`, "must not carry a user name or token"],
    ["https://github.com/a/b/c", "https://github.com/owner/name"],
    ["ftp://example.org/a.git", "not ftp"],
    ["a/b@--upload-pack=x", "plain branch or tag name"],
    ["a/b c", "one word"],
  ])("refuses %j, naming the field and never echoing a token", (text, message) => {
    let error: unknown;
    try {
      parseRepoSpec(text, GH);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(message);
    expect((error as UserError).field).toBe("repo");
    expect((error as UserError).message).not.toContain(TOKEN);
  });
});

describe("the readability check", () => {
  let gh: FakeGithub | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await gh?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const depsWith = (settings: WorkspaceSettings, token?: string) =>
    ({ forges: forgesFrom(settings), repoTokens: async () => token }) satisfies Pick<
      CoreDeps,
      "forges" | "repoTokens"
    >;

  it("asks GitLab's project API with the token, URL-encoding the path; refuses a private project without", async () => {
    dir = mkdtempSync(join(tmpdir(), "ccc-gl-"));
    gh = await startFakeGithub({ gitRoot: dir });
    gh.addRepo("group/sub/app", { private: true, tokens: [TOKEN] });
    const settings = { ...GH, gitlab: { webUrl: gh.url, apiUrl: `${gh.url}/api/v4` } };
    const spec = parseRepoSpec(`${gh.url}/group/sub/app.git`, settings);

    await checkRepoReadable(depsWith(settings, TOKEN), "U1", spec);
    expect(gh.calls.at(-1)).toMatchObject({
      path: "/api/v4/projects/group%2Fsub%2Fapp",
      token: TOKEN,
      status: 200,
    });

    await expect(checkRepoReadable(depsWith(settings), "U1", spec)).rejects.toThrow(
      "ccc cannot read GitLab repository group/sub/app: it does not exist or is private, and you have no GITLAB_TOKEN set",
    );
    await expect(checkRepoReadable(depsWith(settings, "glpat-other"), "U1", spec)).rejects.toThrow(
      "your GITLAB_TOKEN cannot read it",
    );
    expect(gh.problems).toEqual([]);
  });

  it("a forge that does not answer is a clear refusal, not a hang", async () => {
    const settings = {
      ...GH,
      checkTimeoutMs: 200,
      github: { webUrl: GH.github.webUrl, apiUrl: "http://127.0.0.1:9" },
    };
    await expect(
      checkRepoReadable(depsWith(settings), "U1", parseRepoSpec("acme/app", settings)),
    ).rejects.toThrow(
      "ccc could not ask GitHub whether it can read acme/app (no answer); nothing was created.",
    );
  });
});

describe("dotfiles and the repository in prefs", () => {
  it("ccc prefs set dotfiles=<repo> saves it after a form check; a bad one is refused and nothing saved", async () => {
    const set = await runCcc(h, ["prefs", "set", "dotfiles=octocat/dotfiles"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("dotfiles:       octocat/dotfiles");
    expect(h.deps.store.prefs.get("opal").dotfiles).toBe("octocat/dotfiles");

    const bad = await runCcc(h, ["prefs", "set", `dotfiles=https://me:${TOKEN}@github.com/me/dots`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("must not carry a user name or token");
    expect(bad.stderr).not.toContain(TOKEN);
    expect(h.deps.store.prefs.get("opal").dotfiles).toBe("octocat/dotfiles");
  });
});

describe("what the ready message says", () => {
  it("names where the repository is, a failing devShell, failing dotfiles, and how to sign Claude Code in", () => {
    expect(
      workspaceLines({
        repo: { label: "acme/app", path: "/home/claude/work/app", ok: true, action: "cloned" },
        devShell: { state: "failed", error: "builder for '/nix/store/x.drv' failed" },
        dotfiles: { label: "me/dots", ok: false, script: "install.sh", error: "install.sh exited with 1" },
        claudeSignedIn: false,
      }),
    ).toEqual([
      "Repository acme/app: cloned at /home/claude/work/app (cd ~/work/app).",
      "Its Nix devShell failed to build: builder for '/nix/store/x.drv' failed. Run nix develop there to see why.",
      "Dotfiles me/dots failed: install.sh exited with 1 (the output is in the machine's log).",
      "Claude Code is not signed in: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN (from claude setup-token) with /ccc secret, and the next login has it.",
    ]);
    expect(
      workspaceLines({
        repo: { label: "acme/app", path: "/home/claude/work/app", ok: true, action: "fetched" },
        devShell: { state: "ready" },
        claudeSignedIn: true,
      }),
    ).toEqual([
      "Repository acme/app: kept on your work volume and fetched at /home/claude/work/app (cd ~/work/app).",
      "Its Nix devShell is built; your login shell enters it.",
    ]);
  });
});

describe("the DM", () => {
  it("follows the clone's progress in place, then the ready card says where the repository is", () => {
    const building = creatingMessage(
      anInstance({ status: "installing" }),
      "preparing_workspace",
      "Cloning into ~/work/app: 45%",
    );
    const steps = JSON.stringify(building.blocks);
    expect(steps).toContain("✅ Installing NixOS with Claude Code");
    expect(steps).toContain("⏳ Preparing the workspace: Cloning into ~/work/app: 45%");

    const ready = readyMessage(
      withWorkspace(anInstance(), {
        repo: { label: "acme/app", path: "/home/claude/work/app", ok: true, action: "cloned" },
        claudeSignedIn: false,
      }),
      NOW,
    );
    expect(ready.text).toContain("Repository acme/app: cloned at /home/claude/work/app (cd ~/work/app).");
    expect(JSON.stringify(ready.blocks)).toContain("with /ccc secret");
    // No workspace asked for: the card is as before.
    expect(JSON.stringify(readyMessage(anInstance(), NOW).blocks)).not.toContain("Repository");
  });
});
